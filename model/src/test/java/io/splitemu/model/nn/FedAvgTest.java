package io.splitemu.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Weighted averaging by sample counts and its refusals. */
class FedAvgTest {

  @Test
  void average_isWeightedBySampleCounts() {
    INDArray a = Nd4j.createFromArray(1.0f, 2.0f, 3.0f);
    INDArray b = Nd4j.createFromArray(5.0f, -2.0f, 0.0f);
    INDArray avg = FedAvg.average(List.of(a, b), List.of(1L, 3L));
    assertEquals(DataType.FLOAT, avg.dataType());
    assertEquals(4.0, avg.getDouble(0), 1e-6);
    assertEquals(-1.0, avg.getDouble(1), 1e-6);
    assertEquals(0.75, avg.getDouble(2), 1e-6);
    // Inputs are left untouched.
    assertEquals(1.0, a.getDouble(0), 0.0);
  }

  @Test
  void average_zeroWeightMember_isIgnored_andEqualWeightsGiveMean() {
    INDArray a = Nd4j.createFromArray(2.0, 4.0);
    INDArray b = Nd4j.createFromArray(100.0, 100.0);
    INDArray c = Nd4j.createFromArray(4.0, 8.0);
    INDArray avg = FedAvg.average(List.of(a, b, c), List.of(7L, 0L, 7L));
    assertEquals(3.0, avg.getDouble(0), 1e-12);
    assertEquals(6.0, avg.getDouble(1), 1e-12);
  }

  @Test
  void average_ofSliceCopies_loadsBackIntoASlice() {
    ChainModel model =
        ModelZoo.create("mlp", ModelOptions.defaults().withDataType(DataType.DOUBLE));
    Slice device = model.split(1).slice(0);
    Slice other = device.copy();
    INDArray[] batch = TestData.batch(5, 3, DataType.DOUBLE);
    other.forward(batch[0]);
    other.backward(Nd4j.ones(DataType.DOUBLE, 3, 200));
    INDArray avg = FedAvg.average(List.of(device.params(), other.params()), List.of(10L, 30L));
    INDArray expected = device.params().mul(0.25).add(other.params().mul(0.75));
    device.setParams(avg);
    assertTrue(expected.equalsWithEps(device.params(), 1e-12));
  }

  @Test
  void average_refusesBadInput() {
    INDArray a = Nd4j.createFromArray(1.0, 2.0);
    INDArray shorter = Nd4j.createFromArray(1.0);
    IllegalArgumentException lengths =
        assertThrows(
            IllegalArgumentException.class, () -> FedAvg.average(List.of(a, a), List.of(1L)));
    assertTrue(lengths.getMessage().contains("2 parameter vectors but 1 sample counts"));
    IllegalArgumentException zero =
        assertThrows(
            IllegalArgumentException.class, () -> FedAvg.average(List.of(a, a), List.of(0L, 0L)));
    assertTrue(zero.getMessage().contains("sum to zero"));
    IllegalArgumentException shape =
        assertThrows(
            IllegalArgumentException.class,
            () -> FedAvg.average(List.of(a, shorter), List.of(1L, 1L)));
    assertTrue(shape.getMessage().contains("expected shape [2] but got [1]"));
    assertThrows(IllegalArgumentException.class, () -> FedAvg.average(List.of(), List.of()));
    assertThrows(IllegalArgumentException.class, () -> FedAvg.average(List.of(a), List.of(-1L)));
    INDArray nan = Nd4j.createFromArray(Double.NaN, 1.0);
    assertThrows(
        IllegalArgumentException.class, () -> FedAvg.average(List.of(a, nan), List.of(1L, 1L)));
  }

  @Test
  void average_namesARefusedVectorByTheNameGiven() {
    INDArray a = Nd4j.createFromArray(1.0, 2.0);
    INDArray nan = Nd4j.createFromArray(Double.NaN, 1.0);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                FedAvg.average(
                    List.of(a, nan),
                    List.of(1L, 1L),
                    List.of("device 3's model", "device 7's model")));
    assertEquals("device 7's model contains NaN; refusing it", e.getMessage());
  }
}
