// Errors of the scene library: one SceneError class whose `code` names the
// Go sentinel it mirrors (scene/errors.go, scene/opserrors.go), so callers
// branch on the code as Go callers use errors.Is.

/** The error codes, one per Go sentinel error. */
export type SceneErrorCode =
  /** Not a layer at all (Go ErrNotLayer). */
  | "NotLayer"
  /** A later or unknown layer schema version (Go ErrUnsupportedSchema). */
  | "UnsupportedSchema"
  /** The node id is already in the layer (Go ErrNodeExists). */
  | "NodeExists"
  /** A node that cannot be written: bad id or parent, non-finite number… (Go ErrInvalidNode). */
  | "InvalidNode"
  /** A node, parent or sibling that is not in the layer (Go ErrNodeNotFound). */
  | "NodeNotFound"
  /** The node would become its own ancestor (Go ErrWouldCycle). */
  | "WouldCycle"
  /** A position that names wrong or non-adjacent siblings (Go ErrInvalidPosition). */
  | "InvalidPosition"
  /** A property the operation does not set (Go ErrInvalidProperty). */
  | "InvalidProperty"
  /** A value that cannot be written: non-finite, lone surrogate, unsupported type (Go ErrInvalidValue). */
  | "InvalidValue"
  /** The node lacks a container the operation edits in place (Go ErrMalformedNode). */
  | "MalformedNode"
  /** The component already exists (Go ErrComponentExists). */
  | "ComponentExists"
  /** The component does not exist (Go ErrComponentNotFound). */
  | "ComponentNotFound"
  /** Not a fractional-index key, bounds out of order, or a bad count (Go ErrInvalidOrderKey). */
  | "InvalidOrderKey"
  /** The document changed between planning an edit and applying it (no Go counterpart). */
  | "StaleEdit";

/** An error of the scene library; an operation that throws one wrote nothing. */
export class SceneError extends Error {
  /** Which Go sentinel this error mirrors. */
  readonly code: SceneErrorCode;

  constructor(code: SceneErrorCode, message: string) {
    super(`scene: ${message}`);
    this.name = "SceneError";
    this.code = code;
  }
}

/** Reports whether err is a SceneError with the given code. */
export function isSceneError(err: unknown, code: SceneErrorCode): boolean {
  return err instanceof SceneError && err.code === code;
}
