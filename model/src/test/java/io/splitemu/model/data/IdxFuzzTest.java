package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Headers that claim more than the file holds cost no memory, and seeded random and mutated IDX
 * files (raw and gzip) give a one-line refusal naming the file or the right contents.
 */
class IdxFuzzTest {
  /** Inputs per kind of file (labels, images): half random, half mutated from a valid file. */
  static final int INPUTS = 2_000;

  @TempDir Path dir;

  private Path write(String name, byte[] bytes) throws IOException {
    Path f = dir.resolve(name);
    Files.write(f, bytes);
    return f;
  }

  @Test
  void readLabels_headerClaiming2pow31Minus1_refusedWithoutAllocatingIt() throws IOException {
    Path f =
        write("labels", IdxFiles.labels(IdxReader.LABELS_MAGIC, Integer.MAX_VALUE, new byte[3]));
    String m =
        assertThrows(InvalidDataFileException.class, () -> IdxReader.readLabels(f, 10))
            .getMessage();
    assertEquals(
        f.toAbsolutePath() + ": expected 2147483647 label bytes after the header, found 3", m);
    Path g = write("labels.gz", IdxFiles.gzip(Files.readAllBytes(f)));
    assertEquals(
        g.toAbsolutePath() + ": expected 2147483647 label bytes after the header, found 3",
        assertThrows(InvalidDataFileException.class, () -> IdxReader.readLabels(g, 10))
            .getMessage());
  }

  @Test
  void readImages_headerClaimingTheLargestArray_refusedWithoutAllocatingIt() throws IOException {
    Path f =
        write("images", IdxFiles.images(IdxReader.IMAGES_MAGIC, 2_000_000, 32, 32, new byte[5]));
    assertEquals(
        f.toAbsolutePath() + ": expected 2048000000 pixel bytes after the header, found 5",
        assertThrows(InvalidDataFileException.class, () -> IdxReader.readImages(f)).getMessage());
  }

  @Test
  void randomAndMutatedFiles_refusedInOneLineOrReadExactly() {
    Random rnd = new Random(0x15_0003L);
    byte[] labels = new byte[300];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (byte) (i % 10);
    }
    byte[] validLabels = IdxFiles.labels(IdxReader.LABELS_MAGIC, labels.length, labels);
    byte[] validImages = IdxFiles.images(IdxReader.IMAGES_MAGIC, 3, 5, 7, IdxFiles.pattern(105));
    int[] outcomes = new int[2];
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < 2 * INPUTS; i++) {
            boolean images = i % 2 == 1;
            byte[] valid = images ? validImages : validLabels;
            byte[] bytes = (i / 2) % 2 == 0 ? random(rnd, valid) : mutate(valid, rnd);
            if (rnd.nextInt(4) == 0) {
              bytes = IdxFiles.gzip(bytes);
              if (rnd.nextBoolean()) {
                bytes = mutate(bytes, rnd);
              }
            }
            outcomes[check(bytes, images, i)]++;
          }
        });
    assertEquals(2 * INPUTS, outcomes[0] + outcomes[1]);
    assertTrue(outcomes[0] > 0 && outcomes[1] > 0, outcomes[0] + "/" + outcomes[1]);
  }

  private int check(byte[] bytes, boolean images, int i) throws IOException {
    String name = "idx-" + i;
    Path f = write(name, bytes);
    try {
      if (images) {
        IdxReader.Images im = IdxReader.readImages(f);
        assertEquals((long) im.count() * im.rows() * im.cols(), im.pixels().length);
        assertTrue(im.pixels().length <= bytes.length * 1100L + 1000); // what the file can hold
      } else {
        byte[] l = IdxReader.readLabels(f, 10);
        assertTrue(l.length > 0 && l.length <= bytes.length * 1100L + 1000);
        for (byte b : l) {
          assertTrue(b >= 0 && b < 10);
        }
      }
      return 1;
    } catch (InvalidDataFileException e) {
      String m = e.getMessage();
      assertTrue(m.startsWith(f.toAbsolutePath() + ":"), () -> "no file path in: " + m);
      assertFalse(m.contains("\n") || m.contains("\r"), () -> "not one line: " + m);
      return 0;
    } catch (IOException | RuntimeException | Error e) {
      throw new AssertionError(
          "input #"
              + i
              + " threw "
              + e
              + " for "
              + Arrays.toString(Arrays.copyOf(bytes, Math.min(bytes.length, 64))),
          e);
    } finally {
      Files.delete(f);
    }
  }

  /** Random bytes, half of them behind a valid magic number so the header fields get fuzzed. */
  private static byte[] random(Random rnd, byte[] valid) {
    byte[] b = new byte[rnd.nextInt(64)];
    rnd.nextBytes(b);
    if (rnd.nextBoolean() && b.length >= 4) {
      System.arraycopy(valid, 0, b, 0, 4);
    }
    return b;
  }

  /** The valid file with one to three edits: a header field, a byte, a cut or an extension. */
  private static byte[] mutate(byte[] valid, Random rnd) {
    byte[] b = valid.clone();
    for (int m = 1 + rnd.nextInt(3); m > 0; m--) {
      switch (rnd.nextInt(5)) {
        case 0 -> {
          int field = 4 * rnd.nextInt(Math.max(1, Math.min(4, b.length / 4)));
          int v =
              new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 0, 1, 1 << 30, rnd.nextInt()}
                  [rnd.nextInt(7)];
          for (int k = 0; k < 4 && field + k < b.length; k++) {
            b[field + k] = (byte) (v >>> (24 - 8 * k));
          }
        }
        case 1 -> {
          if (b.length > 0) {
            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
          }
        }
        case 2 -> b = Arrays.copyOf(b, rnd.nextInt(b.length + 1));
        case 3 -> b = Arrays.copyOf(b, b.length + 1 + rnd.nextInt(20));
        default -> {
          if (b.length > 0) {
            b[rnd.nextInt(b.length)] ^= (byte) (1 << rnd.nextInt(8));
          }
        }
      }
    }
    return b;
  }
}
