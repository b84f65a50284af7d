package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  private static final int ROWS = 4;
  private static final int COLS = 3;

  @TempDir Path dir;

  private Path write(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  private static byte[] validImages(int count) {
    return IdxFiles.images(2051, count, ROWS, COLS, IdxFiles.pattern(count * ROWS * COLS));
  }

  private static InvalidDataFileException assertInvalid(Executable action) {
    InvalidDataFileException e = assertThrows(InvalidDataFileException.class, action);
    assertFalse(e.getMessage().contains("\n"), "message is one line: " + e.getMessage());
    return e;
  }

  @Test
  void readImages_rawFile_returnsHeaderAndPixels() throws IOException {
    Path f = write("imgs-idx3-ubyte", validImages(5));
    IdxReader.Images images = IdxReader.readImages(f);
    assertEquals(5, images.count());
    assertEquals(ROWS, images.rows());
    assertEquals(COLS, images.cols());
    assertArrayEquals(IdxFiles.pattern(5 * ROWS * COLS), images.pixels());
  }

  @Test
  void readImages_gzipDetectedFromContentNotName() throws IOException {
    // Compressed content under a raw-looking name, and raw content under a .gz name.
    Path gzNoSuffix = write("imgs-idx3-ubyte", IdxFiles.gzip(validImages(6)));
    Path rawWithSuffix = write("other-idx3-ubyte.gz", validImages(6));
    assertArrayEquals(
        IdxReader.readImages(gzNoSuffix).pixels(), IdxReader.readImages(rawWithSuffix).pixels());
    assertArrayEquals(IdxFiles.pattern(6 * ROWS * COLS), IdxReader.readImages(gzNoSuffix).pixels());
  }

  @Test
  void readImages_truncatedRaw_namesFileAndByteCounts() throws IOException {
    byte[] full = validImages(10);
    Path f = write("train-images-idx3-ubyte", Arrays.copyOf(full, 16 + 50));
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readImages(f));
    assertEquals(
        dir.toAbsolutePath()
            + "/train-images-idx3-ubyte: expected 120 pixel bytes after the header, found 50",
        e.getMessage());
  }

  @Test
  void readImages_truncatedGzip_reportsHowFarItGot() throws IOException {
    // Large enough that a cut in the middle of the compressed stream leaves part of the body.
    int count = 2000;
    byte[] gz = IdxFiles.gzip(validImages(count));
    Path f = write("train-images-idx3-ubyte.gz", Arrays.copyOf(gz, gz.length / 2));
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readImages(f));
    assertTrue(
        e.getMessage()
            .startsWith(
                dir.toAbsolutePath()
                    + "/train-images-idx3-ubyte.gz: expected 24000 pixel bytes after "
                    + "the header, found "),
        e.getMessage());
    assertTrue(e.getMessage().endsWith("(the gzip stream is cut off)"), e.getMessage());
  }

  @Test
  void readImages_gzipMissingOnlyItsTrailer_isRefused() throws IOException {
    byte[] gz = IdxFiles.gzip(validImages(3));
    Path f = write("x.gz", Arrays.copyOf(gz, gz.length - 4));
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readImages(f));
    assertTrue(e.getMessage().startsWith(dir.toAbsolutePath() + "/x.gz: "), e.getMessage());
    assertTrue(e.getMessage().contains("cut off"), e.getMessage());
  }

  @Test
  void readImages_extraBytes_isRefused() throws IOException {
    byte[] full = validImages(2);
    Path f = write("imgs", Arrays.copyOf(full, full.length + 3));
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readImages(f));
    assertEquals(
        dir.toAbsolutePath() + "/imgs: expected 24 pixel bytes after the header, found 27",
        e.getMessage());
  }

  @Test
  void readImages_wrongMagic_namesBothNumbers() throws IOException {
    Path f = write("labels-as-images", IdxFiles.images(2049, 1, ROWS, COLS, new byte[12]));
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readImages(f));
    assertEquals(
        dir.toAbsolutePath()
            + "/labels-as-images: expected IDX image magic 2051 (0x00000803), found 2049"
            + " (0x00000801)",
        e.getMessage());
  }

  @Test
  void readImages_shortHeader_isRefused() throws IOException {
    Path f = write("tiny", new byte[] {0, 0, 8, 3, 0});
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readImages(f));
    assertEquals(
        dir.toAbsolutePath() + "/tiny: expected a 16-byte IDX header, found 5 bytes",
        e.getMessage());
  }

  @Test
  void readImages_zeroDimension_isRefused() throws IOException {
    Path f = write("zero", IdxFiles.images(2051, 3, 0, COLS, new byte[0]));
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readImages(f));
    assertEquals(
        dir.toAbsolutePath() + "/zero: expected a positive row count in the IDX header, found 0",
        e.getMessage());
  }

  @Test
  void readImages_badGzipHeader_isRefused() throws IOException {
    // Gzip magic, then an unknown compression method.
    Path f = write("bad.gz", new byte[] {0x1f, (byte) 0x8b, 0x05, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3});
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readImages(f));
    assertTrue(
        e.getMessage().startsWith(dir.toAbsolutePath() + "/bad.gz: starts like gzip"),
        e.getMessage());
  }

  @Test
  void readImages_corruptDeflateData_isRefused() throws IOException {
    byte[] gz = IdxFiles.gzip(validImages(50));
    // Overwrite the deflate body after the 10-byte gzip header with junk.
    for (int i = 10; i < gz.length - 8; i++) {
      gz[i] = (byte) 0xff;
    }
    Path f = write("junk.gz", gz);
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readImages(f));
    assertTrue(
        e.getMessage().startsWith(dir.toAbsolutePath() + "/junk.gz: corrupt gzip data"),
        e.getMessage());
  }

  @Test
  void readLabels_valid_returnsLabels() throws IOException {
    byte[] labels = {0, 9, 3, 3, 7};
    Path f = write("l", IdxFiles.gzip(IdxFiles.labels(2049, 5, labels)));
    assertArrayEquals(labels, IdxReader.readLabels(f, 10));
  }

  @Test
  void readLabels_labelEleven_namesIndex() throws IOException {
    Path f = write("labels", IdxFiles.labels(2049, 4, new byte[] {1, 2, 11, 0}));
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readLabels(f, 10));
    assertEquals(
        dir.toAbsolutePath() + "/labels: expected labels in 0..9, found 11 at index 2",
        e.getMessage());
  }

  @Test
  void readLabels_wrongMagic_isRefused() throws IOException {
    Path f = write("imgs-as-labels", validImages(1));
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readLabels(f, 10));
    assertTrue(
        e.getMessage()
            .startsWith(dir.toAbsolutePath() + "/imgs-as-labels: expected IDX label magic 2049"),
        e.getMessage());
  }

  @Test
  void readLabels_truncated_isRefused() throws IOException {
    Path f = write("short-labels", IdxFiles.labels(2049, 10, new byte[4]));
    InvalidDataFileException e = assertInvalid(() -> IdxReader.readLabels(f, 10));
    assertEquals(
        dir.toAbsolutePath() + "/short-labels: expected 10 label bytes after the header, found 4",
        e.getMessage());
  }

  @Test
  void readImages_missingFile_isNoSuchFile() {
    assertThrows(NoSuchFileException.class, () -> IdxReader.readImages(dir.resolve("nope")));
  }
}
