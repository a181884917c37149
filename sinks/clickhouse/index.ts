export {
  type ClickHouseWarehouseOptions,
  type ClickHouseWarehouseOptionsInput,
  compileClickHouseWarehouseOptions,
} from "./options.js";
export { createClickHouseWarehouse } from "./warehouse.js";
