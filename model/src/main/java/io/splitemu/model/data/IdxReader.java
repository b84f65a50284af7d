package io.splitemu.model.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads unsigned-byte IDX files (MNIST images and labels), raw or gzip-compressed, and validates
 * their headers and sizes.
 *
 * <p>Compression is detected from the gzip magic bytes {@code 1f 8b}, not from the file name, so a
 * renamed file still reads. Every problem is an {@link InvalidDataFileException} whose message
 * starts with the file name.
 */
public final class IdxReader {
  /** Magic number of an unsigned-byte, three-dimensional IDX file (images). */
  public static final int IMAGES_MAGIC = 0x00000803;

  /** Magic number of an unsigned-byte, one-dimensional IDX file (labels). */
  public static final int LABELS_MAGIC = 0x00000801;

  private static final int BUFFER = 1 << 16;

  /** Trailing bytes counted before a file is refused as too long (64 MiB). */
  private static final long MAX_EXTRA = 1L << 26;

  private IdxReader() {}

  /**
   * The images of one IDX image file.
   *
   * @param count number of images
   * @param rows image height
   * @param cols image width
   * @param pixels {@code count * rows * cols} unsigned bytes, row-major
   */
  public record Images(int count, int rows, int cols, byte[] pixels) {}

  /** The header of an IDX image file: how many images, of what size. */
  public record ImagesHeader(int count, int rows, int cols) {}

  /** Reads an image file (magic 2051: count, rows, cols, then count*rows*cols bytes). */
  public static Images readImages(Path file) throws IOException {
    String fileName = shownPath(file);
    try (InputStream in = open(file)) {
      ImagesHeader h = imagesHeader(in, fileName);
      byte[] pixels = readBody(in, fileName, h.count() * h.rows() * h.cols(), "pixel bytes");
      return new Images(h.count(), h.rows(), h.cols(), pixels);
    }
  }

  /**
   * Reads only the header of an image file, checked as {@link #readImages} checks it; the pixels
   * are not read (a gzipped file is inflated only as far as its 16 header bytes).
   */
  public static ImagesHeader readImagesHeader(Path file) throws IOException {
    String fileName = shownPath(file);
    try (InputStream in = open(file)) {
      return imagesHeader(in, fileName);
    }
  }

  private static ImagesHeader imagesHeader(InputStream in, String fileName) throws IOException {
    byte[] header = readHeader(in, fileName, 16);
    int magic = intAt(header, 0);
    if (magic != IMAGES_MAGIC) {
      throw new InvalidDataFileException(
          fileName
              + ": expected IDX image magic 2051 (0x"
              + hex(IMAGES_MAGIC)
              + "), found "
              + magic
              + " (0x"
              + hex(magic)
              + ")");
    }
    int count = positive(fileName, "image count", intAt(header, 4));
    int rows = positive(fileName, "row count", intAt(header, 8));
    int cols = positive(fileName, "column count", intAt(header, 12));
    // rows * cols < 2^62; the second product is checked before it can pass 2^63
    long perImage = (long) rows * cols;
    long expected =
        perImage > Integer.MAX_VALUE ? Long.MAX_VALUE : Math.multiplyExact(count, perImage);
    if (expected > Integer.MAX_VALUE - 16) {
      throw new InvalidDataFileException(
          fileName
              + ": header declares "
              + count
              + " images of "
              + rows
              + "x"
              + cols
              + " = "
              + BigInteger.valueOf(count).multiply(BigInteger.valueOf(perImage))
              + " bytes, more than one array can hold");
    }
    return new ImagesHeader(count, rows, cols);
  }

  /**
   * Reads a label file (magic 2049: count, then count bytes), each label in {@code
   * 0..numClasses-1}.
   */
  public static byte[] readLabels(Path file, int numClasses) throws IOException {
    String fileName = shownPath(file);
    try (InputStream in = open(file)) {
      byte[] header = readHeader(in, fileName, 8);
      int magic = intAt(header, 0);
      if (magic != LABELS_MAGIC) {
        throw new InvalidDataFileException(
            fileName
                + ": expected IDX label magic 2049 (0x"
                + hex(LABELS_MAGIC)
                + "), found "
                + magic
                + " (0x"
                + hex(magic)
                + ")");
      }
      int count = positive(fileName, "label count", intAt(header, 4));
      byte[] labels = readBody(in, fileName, count, "label bytes");
      for (int i = 0; i < labels.length; i++) {
        int l = labels[i] & 0xff;
        if (l >= numClasses) {
          throw new InvalidDataFileException(
              fileName
                  + ": expected labels in 0.."
                  + (numClasses - 1)
                  + ", found "
                  + l
                  + " at index "
                  + i);
        }
      }
      return labels;
    }
  }

  /** Opens a file for reading, transparently gunzipping it when it starts with 1f 8b. */
  static InputStream open(Path file) throws IOException {
    String fileName = shownPath(file);
    InputStream raw;
    try {
      raw = new BufferedInputStream(Files.newInputStream(file), BUFFER);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, "no such file");
    }
    raw.mark(2);
    int b0 = raw.read();
    int b1 = raw.read();
    raw.reset();
    if (b0 != 0x1f || b1 != 0x8b) {
      return raw;
    }
    try {
      return new GzipGuard(new GZIPInputStream(raw, BUFFER), fileName);
    } catch (IOException e) {
      raw.close();
      throw new InvalidDataFileException(
          fileName + ": starts like gzip (1f 8b) but the gzip header is invalid: " + oneLine(e), e);
    }
  }

  private static byte[] readHeader(InputStream in, String fileName, int length) throws IOException {
    byte[] header = new byte[length];
    int n;
    String note = "";
    try {
      n = readFully(in, header, length);
    } catch (TruncatedGzipException e) {
      n = e.bytesRead;
      note = " (the gzip stream is cut off)";
    }
    if (n < length) {
      throw new InvalidDataFileException(
          fileName + ": expected a " + length + "-byte IDX header, found " + n + " bytes" + note);
    }
    return header;
  }

  /** Reads exactly {@code expected} bytes and checks that nothing follows them. */
  private static byte[] readBody(InputStream in, String fileName, int expected, String what)
      throws IOException {
    // The header's count is a claim: the array grows with the bytes that really arrive, so a
    // few-byte file claiming 2^31-1 labels costs a few bytes, not 2 GB.
    byte[] body = new byte[Math.min(expected, BUFFER)];
    int n = 0;
    String note = "";
    try {
      while (true) {
        n += readFully(in, body, n, body.length - n);
        if (n < body.length || body.length == expected) {
          break;
        }
        body = Arrays.copyOf(body, (int) Math.min(expected, 2L * body.length));
      }
    } catch (TruncatedGzipException e) {
      n += e.bytesRead;
      note = " (the gzip stream is cut off)";
    }
    if (n < expected) {
      throw new InvalidDataFileException(
          fileName
              + ": expected "
              + expected
              + " "
              + what
              + " after the header, found "
              + n
              + note);
    }
    long extra = 0;
    byte[] scratch = new byte[BUFFER];
    int r;
    try {
      // Counting stops at MAX_EXTRA: a gzip bomb's trailing gigabytes need not be inflated.
      while (extra < MAX_EXTRA && (r = in.read(scratch, 0, scratch.length)) > 0) {
        extra += r;
      }
    } catch (TruncatedGzipException e) {
      throw new InvalidDataFileException(
          fileName
              + ": expected a complete gzip stream after "
              + expected
              + " "
              + what
              + ", found it cut off before its trailer",
          e);
    }
    if (extra > 0) {
      throw new InvalidDataFileException(
          fileName
              + ": expected "
              + expected
              + " "
              + what
              + " after the header, found "
              + (extra >= MAX_EXTRA ? "more than " : "")
              + (expected + extra));
    }
    return body;
  }

  /**
   * Reads until {@code len} bytes or end of stream, returning how many were read; a cut-off gzip
   * stream reports how far decompression got, so the message can say so like a short raw file.
   */
  private static int readFully(InputStream in, byte[] buf, int len) throws IOException {
    return readFully(in, buf, 0, len);
  }

  /** As above, into {@code buf} from {@code off}. */
  private static int readFully(InputStream in, byte[] buf, int off, int len) throws IOException {
    int total = 0;
    while (total < len) {
      int r;
      try {
        r = in.read(buf, off + total, len - total);
      } catch (TruncatedGzipException e) {
        e.bytesRead = total;
        throw e;
      }
      if (r < 0) {
        break;
      }
      total += r;
    }
    return total;
  }

  private static int intAt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24)
        | ((b[off + 1] & 0xff) << 16)
        | ((b[off + 2] & 0xff) << 8)
        | (b[off + 3] & 0xff);
  }

  private static int positive(String fileName, String what, int value)
      throws InvalidDataFileException {
    if (value <= 0) {
      throw new InvalidDataFileException(
          fileName + ": expected a positive " + what + " in the IDX header, found " + value);
    }
    return value;
  }

  private static String hex(int v) {
    return String.format("%08x", v);
  }

  /**
   * How a refusal names {@code file}: its absolute path, as the trace and model readers do (the
   * base name alone, {@code train-labels-idx1-ubyte.gz}, did not say which data folder).
   */
  static String shownPath(Path file) {
    return file.toAbsolutePath().normalize().toString();
  }

  /** The file's base name: a data set's name. */
  static String displayName(Path file) {
    Path name = file.getFileName();
    return name == null ? file.toString() : name.toString();
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replace('\n', ' ').replace('\r', ' ');
  }

  /** Signals that a gzip stream ended before its trailer. */
  private static final class TruncatedGzipException extends IOException {
    private static final long serialVersionUID = 1L;
    private int bytesRead;

    TruncatedGzipException(Throwable cause) {
      super(cause);
    }
  }

  /**
   * Turns the JDK's terse gzip errors into messages naming the file, and marks truncation apart
   * from corruption so the reader can report the byte count it reached.
   */
  private static final class GzipGuard extends InputStream {
    private final InputStream in;
    private final String fileName;

    GzipGuard(InputStream in, String fileName) {
      this.in = in;
      this.fileName = fileName;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int r = read(one, 0, 1);
      return r < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return in.read(b, off, len);
      } catch (EOFException e) {
        throw new TruncatedGzipException(e);
      } catch (ZipException e) {
        throw new InvalidDataFileException(
            fileName + ": corrupt gzip data (" + oneLine(e) + ")", e);
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
