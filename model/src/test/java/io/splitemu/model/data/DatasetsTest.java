package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
  @TempDir Path dir;

  @Test
  void open_nothingConfigured_isSynthetic() throws IOException {
    for (String source : new String[] {null, "", "synthetic"}) {
      DatasetSplit s = Datasets.open(source, 40, 20, 1);
      assertEquals(40, s.train().size());
      assertEquals(20, s.test().size());
      assertTrue(s.train().name().startsWith("synthetic"), s.train().name());
    }
  }

  @Test
  void open_directory_readsMnistFormat() throws IOException {
    for (String part : new String[] {"train", "t10k"}) {
      Files.write(dir.resolve(part + "-images-idx3-ubyte"),
          IdxFiles.images(2051, 3, 28, 28, IdxFiles.pattern(3 * 784)));
      Files.write(dir.resolve(part + "-labels-idx1-ubyte"),
          IdxFiles.labels(2049, 3, new byte[] {4, 5, 6}));
    }
    DatasetSplit s = Datasets.open(dir.toString(), 1);
    assertEquals(3, s.train().size());
    assertEquals(6, s.test().label(2));
  }

  @Test
  void open_missingDirectory_isNoSuchFile() {
    assertThrows(NoSuchFileException.class,
        () -> Datasets.open(dir.resolve("absent").toString(), 1));
  }
}
