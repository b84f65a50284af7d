package io.splitemu.actors.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A row whose write fails part way (a full disk writes what fits, then fails) is cut from the file
 * at once: the file ends with its last whole row, a close writes nothing more, and the next row,
 * once there is room, is written whole after it. Before, the file kept the row's first bytes, and
 * the close wrote what the writer still held of it again (and failed again on a full disk): a run
 * without checkpoints was left with a malformed table.
 */
class CsvTableWriteFailureTest {

  @TempDir Path tmp;

  @Test
  void aWriteThatFailsMidRow_cutsTheFileBackToItsLastWholeRow() throws Exception {
    Path f = tmp.resolve("t.csv");
    boolean[] full = {false};
    Predicate<Path> disk = p -> full[0] && p.equals(f);
    CsvTable.noSpaceMidRowFor.add(disk);
    try {
      CsvTable t = CsvTable.create(f, List.of("a", "b"));
      t.append(List.of(1, "é€"));
      t.append(List.of(2, "\uD834\uDD1E, quoted")); // a character of four bytes, and quotes
      String whole = Files.readString(f);
      assertEquals("a,b\n1,é€\n2,\"\uD834\uDD1E, quoted\"\n", whole);
      full[0] = true;
      UncheckedIOException e =
          assertThrows(UncheckedIOException.class, () -> t.append(List.of(333333, 444444)));
      assertEquals("cannot write " + f + ": No space left on device", e.getMessage());
      assertEquals(whole, Files.readString(f), "the part of the row written is cut");
      assertThrows(UncheckedIOException.class, () -> t.append(List.of(5, 6)));
      assertEquals(whole, Files.readString(f));
      full[0] = false;
      t.append(List.of(7, 8)); // room again: written whole after the last whole row
      assertEquals(whole + "7,8\n", Files.readString(f));
      full[0] = true;
      assertThrows(UncheckedIOException.class, () -> t.append(List.of(9, 10)));
      t.close(); // writes nothing of the failed row, and throws nothing more
      full[0] = false;
      assertEquals(whole + "7,8\n", Files.readString(f));
      assertEquals(
          List.of(List.of("1", "é€"), List.of("2", "\uD834\uDD1E, quoted"), List.of("7", "8")),
          CsvTable.read(f));
    } finally {
      CsvTable.noSpaceMidRowFor.remove(disk);
    }
  }
}
