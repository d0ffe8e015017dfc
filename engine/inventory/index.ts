export {
  Inventory,
  DEFAULT_INVENTORY,
  resolveInventoryOptions,
  type InventoryOptions,
  type InventoryReport,
  type InventoryState,
  type LocationLevel,
} from './inventory.js';
export {
  AlertBook,
  INVENTORY_ALERT_TYPES,
  type AlertBookState,
  type InventoryAlert,
  type InventoryAlertType,
} from './alerts.js';
export {
  daysOfCover,
  lnGamma,
  orderQuantity,
  poissonCdf,
  poissonMass,
  poissonQuantile,
  poissonTail,
  reorderPoint,
  stockoutRisk,
} from './cover.js';
export { Stock, type StockState } from './stock.js';
export { DAY_MS, Velocity, type VelocityState } from './velocity.js';
