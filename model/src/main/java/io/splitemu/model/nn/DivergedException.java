package io.splitemu.model.nn;

/**
 * A training or inference step produced a value that is not finite (NaN or infinity): the model
 * diverged. Its message names where ({@link #where}, e.g. {@code slice conv2..fc3}) and what
 * ({@link #what}, e.g. {@code loss NaN}), so that the actor driving the model can add its own
 * context (which server, which round) and end the run with one line.
 */
public final class DivergedException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String where;
  private final String what;

  /** {@code where}: the slice or model; {@code what}: the value and what it is. */
  public DivergedException(String where, String what) {
    super(where + ": " + what);
    this.where = where;
    this.what = what;
  }

  /** The slice or model that produced the value, e.g. {@code slice conv2..fc3}. */
  public String where() {
    return where;
  }

  /** What is not finite, e.g. {@code loss NaN} or {@code output infinity}. */
  public String what() {
    return what;
  }
}
