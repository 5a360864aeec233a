// The logging the store's background workers need; a pino Logger satisfies it.
export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: StoreLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
