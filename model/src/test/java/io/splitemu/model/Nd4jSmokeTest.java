package io.splitemu.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class Nd4jSmokeTest {
  @Test
  void nativeBackend_multipliesMatrices() {
    INDArray a = Nd4j.create(new double[][] {{1, 2}, {3, 4}}).castTo(DataType.DOUBLE);
    INDArray b = a.mmul(a);
    assertEquals(22.0, b.getDouble(1, 1), 0.0);
  }
}
