package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistLoaderTest {
  @TempDir Path dir;

  private void writeSet(String part, int images, int labels, boolean gzip, boolean dotted)
      throws IOException {
    byte[] img = IdxFiles.images(2051, images, 28, 28, IdxFiles.pattern(images * 784));
    byte[] lab = new byte[labels];
    for (int i = 0; i < labels; i++) {
      lab[i] = (byte) (i % 10);
    }
    byte[] labFile = IdxFiles.labels(2049, labels, lab);
    String sep = dotted ? "." : "-";
    String suffix = gzip ? ".gz" : "";
    Files.write(
        dir.resolve(part + "-images" + sep + "idx3-ubyte" + suffix),
        gzip ? IdxFiles.gzip(img) : img);
    Files.write(
        dir.resolve(part + "-labels" + sep + "idx1-ubyte" + suffix),
        gzip ? IdxFiles.gzip(labFile) : labFile);
  }

  @Test
  void load_gzipAndRawAndDottedNames_allRead() throws IOException {
    writeSet("train", 30, 30, true, false);
    writeSet("t10k", 12, 12, false, true);
    DatasetSplit split = MnistLoader.load(dir);
    assertEquals(30, split.train().size());
    assertEquals(12, split.test().size());
    assertEquals(784, split.train().featureSize());
    assertEquals(7, split.train().label(17));
    assertEquals(IdxFiles.pattern(784)[5] & 0xff, split.train().pixel(0, 5));
  }

  @Test
  void load_imagesOtherThan28x28_areRefusedNamingTheFile() throws IOException {
    Files.write(
        dir.resolve("train-images-idx3-ubyte"),
        IdxFiles.images(2051, 2, 32, 32, IdxFiles.pattern(2 * 1024)));
    Files.write(
        dir.resolve("train-labels-idx1-ubyte"), IdxFiles.labels(2049, 2, new byte[] {1, 2}));
    String want =
        dir.toAbsolutePath()
            + "/train-images-idx3-ubyte: expected MNIST's 28x28 images (the models' input), got"
            + " 32x32";
    assertEquals(
        want,
        assertThrows(InvalidDataFileException.class, () -> MnistLoader.load(dir, "train"))
            .getMessage());
    assertEquals(
        want,
        assertThrows(InvalidDataFileException.class, () -> MnistLoader.labelsOnly(dir, "train"))
            .getMessage());
  }

  @Test
  void load_countMismatch_namesBothFiles() throws IOException {
    writeSet("train", 20, 19, true, false);
    InvalidDataFileException e =
        assertThrows(InvalidDataFileException.class, () -> MnistLoader.load(dir, "train"));
    assertEquals(
        dir.toAbsolutePath()
            + "/train-labels-idx1-ubyte.gz: expected 20 labels to match "
            + dir.toAbsolutePath()
            + "/train-images-idx3-ubyte.gz, found 19",
        e.getMessage());
  }

  @Test
  void load_missingFile_listsTheNamesTried() throws IOException {
    writeSet("train", 5, 5, false, false);
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> MnistLoader.load(dir));
    assertTrue(
        e.getMessage().contains("t10k-images-idx3-ubyte.gz, t10k-images-idx3-ubyte"),
        e.getMessage());
  }

  /** A labels name that is a folder (an archive unpacked in place) is named, not "found none". */
  @Test
  void load_fileNameThatIsAFolder_isNamed() throws IOException {
    writeSet("train", 5, 5, false, false);
    writeSet("t10k", 5, 5, false, false);
    Path labels = Files.createDirectory(dir.resolve("train-labels-idx1-ubyte.gz"));
    Files.delete(dir.resolve("train-labels-idx1-ubyte"));
    InvalidDataFileException e =
        assertThrows(InvalidDataFileException.class, () -> MnistLoader.load(dir));
    assertEquals(labels + ": expected an MNIST file, found a directory", e.getMessage());
  }

  @Test
  void load_realMnist_hasOfficialCountsAndClassHistograms() throws IOException {
    Path mnist =
        TestData.require("mnist/train-images-idx3-ubyte.gz", "reading real MNIST").getParent();
    DatasetSplit split = MnistLoader.load(mnist);
    Dataset train = split.train();
    Dataset test = split.test();
    assertEquals(60000, train.size());
    assertEquals(10000, test.size());
    assertEquals(28, train.rows());
    assertEquals(28, train.cols());
    int[] trainHist = train.labelHistogram();
    int[] testHist = test.labelHistogram();
    assertEquals(60000, Arrays.stream(trainHist).sum());
    assertEquals(10000, Arrays.stream(testHist).sum());
    // The class counts published with MNIST.
    assertArrayEquals(
        new int[] {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, trainHist);
    assertArrayEquals(new int[] {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, testHist);
    assertEquals(5, train.label(0));
    assertEquals(7, test.label(0));
  }

  @Test
  void labelsOnly_matchesTheFullLoad_andRefusesPixels() throws IOException {
    writeSet("train", 30, 30, true, false);
    Dataset full = MnistLoader.load(dir, "train");
    Dataset labels = MnistLoader.labelsOnly(dir, "train");
    assertArrayEquals(full.labels(), labels.labels());
    assertEquals(full.name(), labels.name());
    assertEquals(full.featureSize(), labels.featureSize());
    assertTrue(full.hasPixels());
    assertTrue(!labels.hasPixels());
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> labels.batch(new int[] {0}));
    assertTrue(
        e.getMessage().startsWith("train-images-idx3-ubyte.gz: holds labels only"), e.getMessage());
    assertThrows(IllegalStateException.class, () -> labels.pixel(0, 0));
  }

  @Test
  void labelsOnly_stillChecksTheImagesHeaderAgainstTheLabels() throws IOException {
    writeSet("train", 20, 19, false, false);
    InvalidDataFileException e =
        assertThrows(InvalidDataFileException.class, () -> MnistLoader.labelsOnly(dir, "train"));
    assertEquals(
        dir.toAbsolutePath()
            + "/train-labels-idx1-ubyte: expected 20 labels to match "
            + dir.toAbsolutePath()
            + "/train-images-idx3-ubyte, found 19",
        e.getMessage());
  }

  @Test
  void labelsOnly_realMnist_hasTheOfficialHistogram() throws IOException {
    Path mnist =
        TestData.require("mnist/train-images-idx3-ubyte.gz", "reading real MNIST").getParent();
    assertArrayEquals(
        new int[] {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
        MnistLoader.labelsOnly(mnist, "train").labelHistogram());
  }
}
