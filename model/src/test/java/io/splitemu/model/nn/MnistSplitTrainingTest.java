package io.splitemu.model.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Split training learns real MNIST digits (runs when {@code splitemu.data} is set). */
class MnistSplitTrainingTest {

  @Test
  void mlp_splitAtFc1_learnsMnist() throws IOException {
    Path mnist = dataFolder().resolve("mnist");
    INDArray[] train = read(mnist, "train", 1500);
    INDArray[] test = read(mnist, "t10k", 500);
    SplitModel split =
        ModelZoo.create("mlp", ModelOptions.defaults().withUpdater(UpdaterKind.ADAM, 0.002))
            .split(1);
    double before = split.evaluate(test[0], test[1]);
    int batch = 50;
    for (int from = 0; from < 1500; from += batch) {
      INDArray x = train[0].get(NDArrayIndex.interval(from, from + batch), NDArrayIndex.all());
      INDArray y = train[1].get(NDArrayIndex.interval(from, from + batch), NDArrayIndex.all());
      split.trainStep(x, y);
    }
    double after = split.evaluate(test[0], test[1]);
    assertTrue(before < 0.3, "untrained accuracy " + before);
    assertTrue(after > 0.75, "accuracy after one epoch on 1500 samples: " + after);
  }

  private static Path dataFolder() {
    String root = System.getProperty("splitemu.data");
    if (root == null || root.isBlank()) {
      Assumptions.abort("splitemu.data is not set: MNIST split training skipped");
    }
    return Path.of(root);
  }

  /** {features [n, 784] in [0, 1], one-hot labels [n, 10]} from the first n samples. */
  private static INDArray[] read(Path folder, String set, int n) throws IOException {
    float[][] x = new float[n][784];
    float[][] y = new float[n][10];
    try (DataInputStream in = open(folder.resolve(set + "-images-idx3-ubyte.gz"))) {
      assertEquals(2051, in.readInt());
      in.readInt();
      assertEquals(28, in.readInt());
      assertEquals(28, in.readInt());
      byte[] pixels = new byte[784];
      for (int i = 0; i < n; i++) {
        in.readFully(pixels);
        for (int j = 0; j < 784; j++) {
          x[i][j] = (pixels[j] & 0xff) / 255f;
        }
      }
    }
    try (DataInputStream in = open(folder.resolve(set + "-labels-idx1-ubyte.gz"))) {
      assertEquals(2049, in.readInt());
      in.readInt();
      for (int i = 0; i < n; i++) {
        y[i][in.readUnsignedByte()] = 1;
      }
    }
    return new INDArray[] {
      Nd4j.create(x).castTo(DataType.FLOAT), Nd4j.create(y).castTo(DataType.FLOAT)
    };
  }

  private static DataInputStream open(Path file) throws IOException {
    InputStream raw = Files.newInputStream(file);
    return new DataInputStream(new GZIPInputStream(raw, 1 << 16));
  }
}
