package io.splitemu.model.profile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the text files of model profiles with one-line reasons a person can act on. */
final class TextFiles {
  private TextFiles() {}

  /**
   * Why {@code file} cannot be opened as a file, or null if it is a regular file: {@code no such
   * file}, {@code is a directory, not a file}, {@code is not a regular file}.
   */
  static String notAFile(Path file) {
    if (Files.isRegularFile(file)) {
      return null;
    }
    if (Files.isDirectory(file)) {
      return "is a directory, not a file";
    }
    return Files.exists(file) ? "is not a regular file" : "no such file";
  }

  /**
   * The text of a UTF-8 file without a leading byte order mark (U+FEFF).
   *
   * @throws IllegalArgumentException {@code FILE: no such file}, {@code FILE: is a directory...},
   *     or {@code FILE: not UTF-8 text (byte offset N, line L)}
   * @throws UncheckedIOException when the file cannot be read
   */
  static String read(Path file) {
    String why = notAFile(file);
    if (why != null) {
      throw new IllegalArgumentException(file + ": " + why);
    }
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read: " + e.getMessage(), e);
    }
    return decode(bytes, file.toString());
  }

  /** {@code bytes} as strict UTF-8 without a leading U+FEFF; {@code source} names them. */
  static String decode(byte[] bytes, String source) {
    CharsetDecoder d =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length + 1);
    CoderResult r = d.decode(in, out, true);
    if (!r.isError()) {
      r = d.flush(out);
    }
    if (r.isError()) {
      int at = in.position();
      int line = 1;
      for (int i = 0; i < at; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      throw new IllegalArgumentException(
          source + ": not UTF-8 text (byte offset " + at + ", line " + line + ")");
    }
    out.flip();
    String text = out.toString();
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }
}
