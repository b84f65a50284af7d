package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.model.wire.WireSize;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ClassLabelsTest {

  @Test
  void indicesAndBack_areTheBatchsOneHotRows_inEitherDataType() {
    Dataset train = SyntheticDataset.generate(200, 10, 7).train();
    int[] rows = {3, 17, 0, 199, 42, 42, 101, 5};
    for (DataType type : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
      Batch batch = train.batch(rows, type);
      INDArray idx = ClassLabels.indices(batch.labels());
      assertEquals(DataType.INT, idx.dataType());
      assertEquals(rows.length, idx.length());
      INDArray back = ClassLabels.oneHot("labels", idx, SyntheticDataset.NUM_CLASSES, type);
      assertEquals(batch.labels(), back);
    }
  }

  @Test
  void onTheWire_labelsAreFourBytesPerSample_asTheLinkCharges() {
    Batch batch = SyntheticDataset.generate(64, 10, 3).train().batch(new int[32], DataType.FLOAT);
    INDArray idx = ClassLabels.indices(batch.labels());
    // LATENCY-MODEL.md section 3: b·4 label bytes (the one-hot rows were b·10·4).
    assertEquals(32 * 4, WireSize.payloadBytes(idx.dataType(), idx.shape()));
  }

  @Test
  void refuses_outOfRangeClasses_floatIndices_andMatrices_withOneLine() {
    INDArray bad = Nd4j.createFromArray(1, 10, 2);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClassLabels.oneHot("slice fc labels", bad, 10, DataType.FLOAT));
    assertEquals("slice fc labels: class 10 of sample 1 is outside [0, 10)", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClassLabels.oneHot("labels", Nd4j.createFromArray(1f, 2f), 10, DataType.FLOAT));
    assertTrue(e.getMessage().startsWith("labels must be integer class indices"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClassLabels.oneHot("labels", Nd4j.zeros(DataType.INT, 2, 3), 10, DataType.FLOAT));
    assertTrue(e.getMessage().contains("vector of class indices"), e.getMessage());
    assertEquals(-1, e.getMessage().indexOf('\n'));
  }
}
