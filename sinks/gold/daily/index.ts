export {
  type ClosedDay,
  compareFoldEvents,
  DailyFold,
  dayText,
  type FoldEvent,
  retractionRow,
} from "./fold.js";
export {
  chunks,
  DailyMaterializer,
  type DailyMaterializerDeps,
  type DailyMaterializerOptions,
  type DailyPassResult,
  firstDayToWrite,
} from "./materializer.js";
