package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class DatasetTest {
  /** Three 2x2 samples with distinct pixels and labels 2, 0, 3 of four classes. */
  private static Dataset tiny() {
    byte[] pixels = {0, (byte) 255, 51, 102, 1, 2, 3, 4, (byte) 200, 100, 50, 25};
    return new Dataset("tiny", 2, 2, 4, pixels, new byte[] {2, 0, 3});
  }

  @Test
  void batch_double_holdsExactScaledPixelsAndOneHotInRequestedOrder() {
    Batch b = tiny().batch(new int[] {2, 0, 2}, DataType.DOUBLE);
    INDArray x = b.features();
    INDArray y = b.labels();
    assertEquals(DataType.DOUBLE, x.dataType());
    assertEquals(DataType.DOUBLE, y.dataType());
    assertArrayEquals(new long[] {3, 4}, x.shape());
    assertArrayEquals(new long[] {3, 4}, y.shape());
    assertEquals(200 / 255.0, x.getDouble(0, 0), 0.0);
    assertEquals(25 / 255.0, x.getDouble(0, 3), 0.0);
    assertEquals(1.0, x.getDouble(1, 1), 0.0);
    assertEquals(0.0, x.getDouble(1, 0), 0.0);
    assertArrayEquals(new double[] {0, 0, 0, 1}, y.getRow(0).toDoubleVector(), 0.0);
    assertArrayEquals(new double[] {0, 0, 1, 0}, y.getRow(1).toDoubleVector(), 0.0);
    assertEquals(3, b.size());
  }

  @Test
  void batch_defaultIsFloat() {
    Batch b = tiny().batch(new int[] {1});
    assertEquals(DataType.FLOAT, b.features().dataType());
    assertEquals(DataType.FLOAT, b.labels().dataType());
    assertEquals(2 / 255f, b.features().getFloat(0, 1), 0f);
    assertEquals(1f, b.labels().getFloat(0, 0), 0f);
  }

  @Test
  void batch_halfPrecision_isCast() {
    Batch b = tiny().batch(new int[] {0, 1}, DataType.HALF);
    assertEquals(DataType.HALF, b.features().dataType());
    assertEquals(1.0, b.features().getDouble(0, 1), 0.0);
  }

  @Test
  void batch_badArguments_areRefused() {
    Dataset d = tiny();
    assertThrows(IndexOutOfBoundsException.class, () -> d.batch(new int[] {0, 3}));
    assertThrows(IllegalArgumentException.class, () -> d.batch(new int[0]));
    assertThrows(IllegalArgumentException.class, () -> d.batch(new int[] {0}, DataType.INT));
  }

  @Test
  void accessors_reportLabelsAndHistogram() {
    Dataset d = tiny();
    assertEquals(3, d.size());
    assertEquals(4, d.numClasses());
    assertEquals(3, d.label(2));
    assertArrayEquals(new int[] {2, 0, 3}, d.labels());
    assertArrayEquals(new int[] {1, 0, 1, 1}, d.labelHistogram());
    assertEquals(255, d.pixel(0, 1));
    assertArrayEquals(new byte[] {1, 2, 3, 4}, d.samplePixels(1));
  }

  @Test
  void constructor_inconsistentInput_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Dataset("d", 2, 2, 4, new byte[7], new byte[2]));
    assertEquals("d: expected 8 pixel bytes for 2 samples of 2x2, found 7", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new Dataset("d", 1, 1, 4, new byte[1], new byte[] {4}));
  }
}
