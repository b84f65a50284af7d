package io.splitemu.model.wire;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kryo serializer for ND4J arrays: dtype, order, shape, then the raw little-endian buffer in bulk.
 *
 * <p>Encoding: one byte dtype code (a stable table below, never ND4J's ordinal), one byte order
 * ({@code 'c'} or {@code 'f'}), a varint rank (0..32), one positive varlong per dimension, then
 * elements x width bytes of the logical content in that order. Views and non-contiguous arrays
 * are copied to a contiguous array of their own order first, so the receiver gets exactly the
 * logical content. The buffer moves with one bulk copy each way (native memory to the Kryo buffer
 * and back), never element by element.
 */
public final class TensorSerializer extends Serializer<INDArray> {

  /** Highest rank accepted; ND4J's own limit. */
  public static final int MAX_RANK = 32;

  // Stable wire codes; append only, never renumber.
  private static final DataType[] CODES = {
    null,
    DataType.DOUBLE,
    DataType.FLOAT,
    DataType.HALF,
    DataType.BFLOAT16,
    DataType.LONG,
    DataType.INT,
    DataType.SHORT,
    DataType.BYTE,
    DataType.UBYTE,
    DataType.BOOL,
    DataType.UINT16,
    DataType.UINT32,
    DataType.UINT64
  };

  private static final int CHUNK = 1 << 16;

  public TensorSerializer() {
    setImmutable(false);
    setAcceptsNull(false);
  }

  /** Bytes per element of {@code dtype}; refuses dtypes that have no fixed-width wire form. */
  public static int widthOf(DataType dtype) {
    codeOf(dtype);
    return dtype.width();
  }

  private static int codeOf(DataType dtype) {
    for (int i = 1; i < CODES.length; i++) {
      if (CODES[i] == dtype) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "dtype " + dtype + " has no wire form; supported: " + Arrays.toString(supported()));
  }

  private static DataType[] supported() {
    return Arrays.copyOfRange(CODES, 1, CODES.length);
  }

  @Override
  public void write(Kryo kryo, Output output, INDArray array) {
    checkByteOrder();
    DataType dtype = array.dataType();
    int code = codeOf(dtype);
    char order = array.ordering();
    long[] shape = array.shape();
    long bytes = Math.multiplyExact(WireSize.elements(shape), (long) dtype.width());
    if (bytes > Integer.MAX_VALUE - 64) {
      throw new IllegalArgumentException(
          "tensor of " + bytes + " bytes exceeds the 2 GiB wire limit; send it in chunks");
    }
    output.writeByte(code);
    output.writeByte(order);
    output.writeVarInt(shape.length, true);
    for (long d : shape) {
      output.writeVarLong(d, true);
    }
    if (bytes == 0) {
      return;
    }
    INDArray src = isDense(array, order) ? array : array.dup(order);
    ByteBuffer buffer = src.data().asNio();
    buffer.limit((int) bytes).position(0);
    writeBulk(output, buffer, (int) bytes);
  }

  @Override
  public INDArray read(Kryo kryo, Input input, Class<? extends INDArray> type) {
    checkByteOrder();
    int code = input.readByte() & 0xff;
    if (code == 0 || code >= CODES.length) {
      throw new WireFormatException("unknown tensor dtype code " + code);
    }
    DataType dtype = CODES[code];
    char order = (char) input.readByte();
    if (order != 'c' && order != 'f') {
      throw new WireFormatException("unknown tensor order " + (int) order);
    }
    int rank = input.readVarInt(true);
    if (rank < 0 || rank > MAX_RANK) {
      throw new WireFormatException("tensor rank " + rank + " outside 0.." + MAX_RANK);
    }
    long[] shape = new long[rank];
    for (int i = 0; i < rank; i++) {
      shape[i] = input.readVarLong(true);
      if (shape[i] < 0) {
        throw new WireFormatException("negative tensor dimension " + shape[i]);
      }
    }
    long bytes;
    try {
      bytes = Math.multiplyExact(WireSize.elements(shape), (long) dtype.width());
    } catch (ArithmeticException e) {
      throw new WireFormatException("tensor shape " + Arrays.toString(shape) + " overflows");
    }
    if (bytes == 0) {
      return Nd4j.create(dtype, shape, order);
    }
    if (bytes > Integer.MAX_VALUE - 64) {
      throw new WireFormatException("tensor of " + bytes + " bytes exceeds the 2 GiB wire limit");
    }
    boolean inMemory =
        (input.getClass() == Input.class || input instanceof WireLimits.BoundedInput)
            && input.getInputStream() == null;
    if (inMemory && input.limit() - input.position() < bytes) {
      // Check before allocating so a corrupt shape cannot make us allocate gigabytes.
      throw new WireFormatException(
          "truncated tensor "
              + dtype
              + Arrays.toString(shape)
              + ": needs "
              + bytes
              + " bytes, "
              + (input.limit() - input.position())
              + " remain");
    }
    INDArray array =
        rank == 0
            ? Nd4j.create(dtype, shape, order)
            : Nd4j.createUninitialized(dtype, shape, order);
    ByteBuffer buffer = array.data().asNio();
    buffer.limit((int) bytes).position(0);
    readBulk(input, buffer, (int) bytes, inMemory);
    return array;
  }

  @Override
  public INDArray copy(Kryo kryo, INDArray original) {
    return original.dup(original.ordering());
  }

  /** True when the buffer holds exactly the logical content in {@code order}, from offset 0. */
  private static boolean isDense(INDArray array, char order) {
    return !array.isView()
        && array.offset() == 0
        && array.data().length() == array.length()
        && array.ordering() == order
        && (array.rank() < 2 || Shape.hasDefaultStridesForShape(array));
  }

  private static void writeBulk(Output output, ByteBuffer src, int bytes) {
    if (output.getClass() == Output.class && output.getOutputStream() == null) {
      // One copy from native memory straight into the Kryo buffer, growing it once if needed.
      int pos = output.position();
      byte[] buf = output.getBuffer();
      int need = pos + bytes;
      if (need > buf.length) {
        int max = output.getMaxCapacity();
        if (need > max) {
          throw new IllegalArgumentException(
              "tensor of " + bytes + " bytes exceeds the output limit of " + max + " bytes");
        }
        buf = Arrays.copyOf(buf, (int) Math.min(max, Math.max(need, 2L * buf.length)));
        output.setBuffer(buf, max);
      }
      src.get(buf, pos, bytes);
      output.setPosition(need);
      return;
    }
    byte[] chunk = new byte[Math.min(CHUNK, bytes)];
    for (int left = bytes; left > 0; ) {
      int n = Math.min(chunk.length, left);
      src.get(chunk, 0, n);
      output.writeBytes(chunk, 0, n);
      left -= n;
    }
  }

  private static void readBulk(Input input, ByteBuffer dst, int bytes, boolean inMemory) {
    if (inMemory) {
      int pos = input.position();
      dst.put(input.getBuffer(), pos, bytes);
      input.setPosition(pos + bytes);
      return;
    }
    byte[] chunk = new byte[Math.min(CHUNK, bytes)];
    for (int left = bytes; left > 0; ) {
      int n = Math.min(chunk.length, left);
      input.readBytes(chunk, 0, n);
      dst.put(chunk, 0, n);
      left -= n;
    }
  }

  private static void checkByteOrder() {
    // The wire is little-endian and the buffer is copied raw, which is only right on such hosts.
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new UnsupportedOperationException("tensor wire format needs a little-endian host");
    }
  }
}
