package io.splitemu.model.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

class TensorSerializerTest {

  private static final List<DataType> DTYPES =
      List.of(
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
          DataType.UINT64);

  private final WireCodec codec = WireCodec.of(WireRegistry.builder().build());

  @Test
  void roundTrip_randomShapesEveryDtypeBothOrders_sameDtypeShapeOrderAndBytes() {
    Random random = new Random(20261121L);
    for (DataType dtype : DTYPES) {
      for (int i = 0; i < 40; i++) {
        char order = random.nextBoolean() ? 'c' : 'f';
        long[] shape = randomShape(random, random.nextInt(6), true);
        INDArray original = randomArray(random, dtype, shape, order);
        assertRoundTrip(original);
      }
    }
  }

  @Test
  void roundTrip_viewsFromIndexing_writeTheLogicalContent() {
    Random random = new Random(7L);
    for (DataType dtype : DTYPES) {
      for (int i = 0; i < 10; i++) {
        char order = random.nextBoolean() ? 'c' : 'f';
        INDArray base = randomArray(random, dtype, new long[] {6, 7, 5}, order);
        INDArrayIndex[] index = {
          NDArrayIndex.interval(1, 2, 6),
          random.nextBoolean() ? NDArrayIndex.all() : NDArrayIndex.interval(2, 5),
          random.nextBoolean() ? NDArrayIndex.point(random.nextInt(5)) : NDArrayIndex.all()
        };
        INDArray view = base.get(index);
        assertTrue(view.isView(), "expected a view for " + Arrays.toString(index));
        INDArray back = assertRoundTrip(view);
        assertEquals(view.dup(view.ordering()), back);
      }
    }
  }

  @Test
  void roundTrip_transposedAndRankSix_keepOrderAndValues() {
    Random random = new Random(11L);
    INDArray m = randomArray(random, DataType.FLOAT, new long[] {3, 4}, 'c');
    assertRoundTrip(m.transpose());
    assertRoundTrip(randomArray(random, DataType.DOUBLE, new long[] {2, 1, 3, 2, 1, 2}, 'f'));
    assertRoundTrip(Nd4j.scalar(3.25f));
    assertRoundTrip(Nd4j.create(DataType.INT, new long[] {0}, 'c'));
  }

  @Test
  void roundTrip_largeTensor_growsBufferOnce() {
    INDArray big = Nd4j.rand(DataType.FLOAT, 768, 1024); // 3 MiB, beyond the 64 KiB first buffer
    byte[] bytes = codec.toBytes(big);
    assertTrue(bytes.length < WireSize.of(big) + 2);
    assertEquals(big, codec.fromBytes(bytes));
  }

  @Test
  void roundTrip_streamBackedKryoIo_usesChunkedPathWithSameResult() {
    Kryo kryo = WireRegistry.builder().build().newKryo();
    INDArray original = Nd4j.rand(DataType.DOUBLE, 300, 200); // several 64 KiB chunks
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (Output out = new Output(sink, 4096)) {
      kryo.writeClassAndObject(out, original);
    }
    byte[] streamed = sink.toByteArray();
    assertArrayEquals(codec.toBytes(original), streamed);
    try (Input in = new Input(new ByteArrayInputStream(streamed), 4096)) {
      assertEquals(original, kryo.readClassAndObject(in));
    }
  }

  @Test
  void encodedSize_staysWithinWireSizeCharge() {
    Random random = new Random(3L);
    Kryo kryo = WireRegistry.builder().build().newKryo();
    for (int i = 0; i < 50; i++) {
      DataType dtype = DTYPES.get(random.nextInt(DTYPES.size()));
      long[] shape = randomShape(random, 1 + random.nextInt(4), false);
      INDArray a = randomArray(random, dtype, shape, 'c');
      Output out = new Output(1024, -1);
      kryo.writeObject(out, a);
      long payload = WireSize.payloadBytes(dtype, shape);
      assertTrue(out.position() > payload && out.position() <= WireSize.of(a), "shape " + i);
    }
  }

  @Test
  void wireSize_isElementsTimesWidthPlusHeader() {
    assertEquals(2 * 3 * 4 * 4 + 16, WireSize.of(Nd4j.create(DataType.FLOAT, 2, 3, 4)));
    assertEquals(16, WireSize.of(Nd4j.create(DataType.FLOAT, new long[] {0, 5}, 'c')));
    assertEquals(2 + 16, WireSize.of(DataType.BFLOAT16));
    assertEquals(8 * 10 + 16, WireSize.of(DataType.LONG, 10));
  }

  @Test
  void unsupportedDtype_isRefusedWithTheSupportedList() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> WireSize.of(DataType.UTF8, 3));
    assertTrue(e.getMessage().startsWith("dtype UTF8 has no wire form; supported: [DOUBLE"));
  }

  @Test
  void truncatedTensor_isRefusedBeforeAllocating() {
    byte[] bytes = codec.toBytes(Nd4j.rand(DataType.FLOAT, 8, 8));
    byte[] cut = Arrays.copyOf(bytes, bytes.length - 5);
    WireFormatException e = assertThrows(WireFormatException.class, () -> codec.fromBytes(cut));
    assertTrue(e.getMessage().contains("truncated tensor FLOAT[8, 8]: needs 256 bytes"));
  }

  private INDArray assertRoundTrip(INDArray original) {
    INDArray back = codec.fromBytes(codec.toBytes(original), INDArray.class);
    String what = original.dataType() + Arrays.toString(original.shape()) + original.ordering();
    assertEquals(original.dataType(), back.dataType(), what);
    assertArrayEquals(original.shape(), back.shape(), what);
    assertEquals(original.isEmpty(), back.isEmpty(), what);
    if (original.rank() > 1) {
      assertEquals(original.ordering(), back.ordering(), what);
    }
    if (!original.isEmpty()) {
      char order = original.ordering();
      assertArrayEquals(
          original.dup(order).data().asBytes(), back.dup(order).data().asBytes(), what);
      assertEquals(original, back, what);
    }
    return back;
  }

  private static long[] randomShape(Random random, int rank, boolean allowZero) {
    long[] shape = new long[rank];
    for (int i = 0; i < rank; i++) {
      shape[i] = allowZero && random.nextInt(8) == 0 ? 0 : 1 + random.nextInt(5);
    }
    return shape;
  }

  private static INDArray randomArray(Random random, DataType dtype, long[] shape, char order) {
    long n = WireSize.elements(shape);
    if (n == 0) {
      return Nd4j.create(dtype, shape, order);
    }
    double[] values = new double[(int) n];
    for (int i = 0; i < values.length; i++) {
      // Integers below 100 are exact in every dtype; doubles get full-precision noise on top.
      values[i] = random.nextInt(100) + (dtype.isFPType() ? random.nextGaussian() : 0);
      if (dtype == DataType.HALF || dtype == DataType.BFLOAT16) {
        values[i] = Math.rint(values[i]);
      }
    }
    INDArray doubles = Nd4j.create(values, shape, order);
    return dtype == DataType.DOUBLE ? doubles : doubles.castTo(dtype);
  }
}
