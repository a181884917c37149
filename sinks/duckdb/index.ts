export {
  compileDuckDbWarehouseOptions,
  type DuckDbWarehouseOptions,
  type DuckDbWarehouseOptionsInput,
} from "./options.js";
export { createDuckDbWarehouse } from "./warehouse.js";
