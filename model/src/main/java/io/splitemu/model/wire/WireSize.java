package io.splitemu.model.wire;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The bytes an emulated link charges for a tensor: elements x dtype size plus a fixed header.
 *
 * <p>The header is a fixed {@value #HEADER_BYTES} bytes whatever the rank, so the charge depends
 * only on dtype and shape: a size-only placeholder (fidelity level {@code timing}) is charged
 * exactly what the real tensor is. The real encoding of {@link TensorSerializer} uses 3 bytes plus
 * one varint per dimension (1 to 3 bytes for dims below 2^21), which stays within 16 bytes for
 * the ranks and sizes of split-learning activations (rank up to 4, dims below 16384).
 */
public final class WireSize {

  /** Fixed header charged per tensor, in bytes. */
  public static final int HEADER_BYTES = 16;

  private WireSize() {}

  /** Charged bytes of {@code tensor}: its logical elements x dtype size + {@link #HEADER_BYTES}. */
  public static long of(INDArray tensor) {
    if (tensor == null) {
      throw new IllegalArgumentException("WireSize.of: tensor is null");
    }
    return of(tensor.dataType(), tensor.shape());
  }

  /** Charged bytes of a tensor of {@code dtype} and {@code shape} (a placeholder's size). */
  public static long of(DataType dtype, long... shape) {
    return payloadBytes(dtype, shape) + HEADER_BYTES;
  }

  /** Payload bytes only: elements x dtype size, without the header. */
  public static long payloadBytes(DataType dtype, long... shape) {
    int width = TensorSerializer.widthOf(dtype);
    return Math.multiplyExact(elements(shape), (long) width);
  }

  /** Number of elements of {@code shape} (1 for a scalar, 0 when any dimension is 0). */
  static long elements(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension " + d + " in shape");
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }
}
