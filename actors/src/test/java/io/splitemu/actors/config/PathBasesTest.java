package io.splitemu.actors.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relative paths are taken from two bases: {@code data.dir}, {@code dag.profile}, a {@code
 * model.name} file and a {@code file(...)} include from the working directory; trace files and
 * folders, {@code availability}, {@code mpsl.profile-dir} and a plain include from the scenario's
 * (or the including file's) folder. Every "not found" of a relative path says which base it was
 * taken from (a profile file's, {@code ModelProfiles}, in the model module's ModelProfilesTest);
 * nested includes are read as the config library reads them.
 */
class PathBasesTest {

  @TempDir Path tmp;

  private static final Path CWD = Path.of("").toAbsolutePath();

  private static final String BASE =
      "splitemu { scenario = p, fidelity = timing, rounds = 1, devices.count = 2\n"
          + "data.train-samples = 600\noutput.plots = false }\n";

  private Path scenario(String text) throws Exception {
    Path f = tmp.resolve("s.conf");
    Files.writeString(f, text);
    return f;
  }

  private SettingsException refused(Path f, String... overrides) {
    SettingsException e =
        assertThrows(SettingsException.class, () -> Settings.load(f, List.of(overrides)));
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    return e;
  }

  private static void has(String part, Exception e) {
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }

  // A file(...) include is read from the working directory, in a nested file too (java.io.File);
  // the refusal said `include "c.conf"`, as if it were a plain include, and named no base.

  @Test
  void aFileIncludeInANestedFile_isReadFromTheWorkingDirectory_andItsRefusalSaysSo()
      throws Exception {
    Path sub = Files.createDirectories(tmp.resolve("sub"));
    String rel = CWD.relativize(tmp.toAbsolutePath()).toString();
    Files.writeString(sub.resolve("c.conf"), "splitemu.seed = 7\n");
    Path b = sub.resolve("b.conf");
    Files.writeString(b, "# b\ninclude file(\"c.conf\")\n");
    Path top = scenario("include file(\"" + rel + "/sub/b.conf\")\n" + BASE);
    SettingsException e = refused(top);
    assertEquals(
        rel
            + "/sub/b.conf:2: include file(\"c.conf\"): no such file (looked for "
            + CWD.resolve("c.conf")
            + ": file(...) is read from the working directory, "
            + CWD
            + "; a plain include \"c.conf\" reads "
            + sub.toAbsolutePath().resolve("c.conf")
            + " beside the including file)",
        e.getMessage());
    // the plain include reads it beside b.conf, as the note says
    Files.writeString(b, "# b\ninclude \"c.conf\"\n");
    assertEquals(7L, Settings.load(top, List.of()).seed());
    // and file(...) with its path from the working directory
    Files.writeString(b, "# b\ninclude file(\"" + rel + "/sub/c.conf\")\n");
    assertEquals(7L, Settings.load(top, List.of()).seed());
    // a plain include in a file(...)-included file, not there: beside that file
    Files.writeString(b, "# b\ninclude \"lost.conf\"\n");
    assertEquals(
        rel
            + "/sub/b.conf:2: include \"lost.conf\": no such file (looked for "
            + sub.toAbsolutePath().resolve("lost.conf")
            + ", beside the including file)",
        refused(top).getMessage());
  }

  // A url("file:...") include is a file: a missing plain include in it was "an included
  // resource" looked for in the working directory; the library looks beside it.

  @Test
  void aPlainIncludeInAFileUrlInclude_isNamedAtThatFileAndLookedForBesideIt() throws Exception {
    Path sub = Files.createDirectories(tmp.resolve("sub"));
    Path b = sub.resolve("b.conf");
    Files.writeString(b, "# b\n\ninclude \"lost.conf\"\n");
    Path top = scenario("include url(\"" + b.toUri() + "\")\n" + BASE);
    assertEquals(
        b
            + ":3: include \"lost.conf\": no such file (looked for "
            + sub.resolve("lost.conf")
            + ", beside the including file)",
        refused(top).getMessage());
    Files.writeString(sub.resolve("lost.conf"), "splitemu.seed = 9\n");
    assertEquals(9L, Settings.load(top, List.of()).seed());
  }

  // A cycle of includes ran the library to 50 levels and a line of 1,500 characters without a
  // line number; a folder named by an include was "no such file".

  @Test
  void aCycleOfIncludes_isOneShortLineNamingTheIncludeClosingIt() throws Exception {
    Path top = scenario("include \"y.conf\"\n" + BASE);
    Files.writeString(tmp.resolve("y.conf"), "# y\n\ninclude \"s.conf\"\n");
    SettingsException e = refused(top);
    assertEquals(
        tmp.resolve("y.conf")
            + ":3: include \"s.conf\": a cycle of includes ("
            + top
            + " includes "
            + tmp.resolve("y.conf")
            + " includes "
            + top
            + ")",
        e.getMessage());
    // a file included twice, not in a cycle, is read
    Files.writeString(tmp.resolve("y.conf"), "include \"z.conf\"\ninclude \"z.conf\"\n");
    Files.writeString(tmp.resolve("z.conf"), "splitemu.seed = 4\n");
    assertEquals(4L, Settings.load(top, List.of()).seed());
  }

  @Test
  void anIncludeNamingAFolder_saysItIsAFolder() throws Exception {
    Files.createDirectories(tmp.resolve("d.conf"));
    Path top = scenario("include \"d.conf\"\n" + BASE);
    assertEquals(
        top
            + ":1: include \"d.conf\": "
            + tmp.toAbsolutePath().resolve("d.conf")
            + " is a folder, not a file",
        refused(top).getMessage());
  }

  @Test
  void aMissingDataDir_saysItIsTakenFromTheWorkingDirectory() throws Exception {
    Path f = scenario(BASE);
    SettingsException e = refused(f, "data.dataset=mnist", "data.dir=no-such-mnist");
    has(
        "folder "
            + CWD.resolve("no-such-mnist")
            + " does not exist (a relative data.dir is taken from the working directory, "
            + CWD
            + ")",
        e);
    // an absolute path has no base to name
    Path abs = tmp.resolve("gone");
    e = refused(f, "data.dataset=mnist", "data.dir=\"" + abs + "\"");
    assertTrue(e.getMessage().endsWith("folder " + abs + " does not exist"), e.getMessage());
  }

  @Test
  void missingTraces_sayTheyAreTakenFromTheScenariosFolder() throws Exception {
    Path f = scenario(BASE);
    Path dir = tmp.toAbsolutePath();
    has(
        "splitemu.links.trace.uplink: trace file "
            + dir.resolve("up.log")
            + " does not exist (a relative links.trace.uplink is taken from the scenario's folder, "
            + dir
            + ")",
        refused(f, "links.kind=trace", "links.trace.uplink=[up.log]"));
    Files.writeString(tmp.resolve("up.log"), "0 1\n1 1\n");
    has(
        "splitemu.links.trace.downlink: trace file "
            + dir.resolve("down.log")
            + " does not exist (a relative links.trace.downlink is taken from the scenario's"
            + " folder, "
            + dir
            + ")",
        refused(
            f,
            "links.kind=trace",
            "links.trace.uplink=[up.log]",
            "links.trace.downlink=[down.log]"));
    has(
        "splitemu.links.trace.folder: folder "
            + dir.resolve("traces")
            + " does not exist (a relative links.trace.folder is taken from the scenario's folder, "
            + dir
            + ")",
        refused(f, "links.kind=trace", "links.trace.folder=traces"));
    // a folder named by a file is said to be one
    has(
        "folder " + dir.resolve("up.log") + " is not a folder",
        refused(f, "links.kind=trace", "links.trace.folder=up.log"));
  }

  @Test
  void aMissingAvailabilityFile_saysItIsTakenFromTheScenariosFolder() throws Exception {
    Path dir = tmp.toAbsolutePath();
    Path f = scenario(BASE + "splitemu.availability = \"av.csv\"\n");
    SettingsException e = refused(f);
    assertEquals(
        f
            + ":4: splitemu.availability: file "
            + dir.resolve("av.csv")
            + " does not exist (a relative availability is taken from the scenario's folder, "
            + dir
            + ")",
        e.getMessage());
  }

  @Test
  void aMissingMpslProfileDir_saysItIsTakenFromTheScenariosFolder() throws Exception {
    Path dir = tmp.toAbsolutePath();
    Settings s = Settings.load(scenario(BASE), List.of("scheme=mpsl", "mpsl.profile-dir=tables"));
    assertEquals(
        " (a relative mpsl.profile-dir is taken from the scenario's folder, " + dir + ")",
        MpslSettings.profileDirNote(s));
    // a folder that is there (a table missing in it) names no base
    Files.createDirectories(tmp.resolve("tables"));
    assertEquals("", MpslSettings.profileDirNote(s));
  }

  // A null in a block read again later from the resolved text (survival, mpsl, cluster-run) was
  // an "internal error" stack trace (ConfigException$Null); its other bad values named the key
  // without the file and line, and plan did not read survival at all.

  @Test
  void aNullOrBadValueOfALateBlock_isRefusedAtLoadWithItsFileAndLine() throws Exception {
    Path f = scenario(BASE + "splitemu.survival.absent = null\n");
    assertEquals(f + ":4: splitemu.survival.absent: must not be null", refused(f).getMessage());
    f = scenario(BASE + "splitemu.survival.absent = bogus\n");
    assertTrue(
        refused(f)
            .getMessage()
            .startsWith(f + ":4: splitemu.survival.absent: unknown value \"bogus\""));
    f = scenario(BASE + "splitemu.cluster-run.join-timeout = null\n");
    assertEquals(
        f + ":4: splitemu.cluster-run.join-timeout: must not be null", refused(f).getMessage());
    f = scenario(BASE + "splitemu.mpsl.hops = null\n");
    assertEquals(
        f + ":4: splitemu.mpsl.hops: must not be null", refused(f, "scheme=mpsl").getMessage());
    // read for a pipeline scheme of another scheme's scenario (compare): one line, the key
    Settings psl = Settings.load(f, List.of("scheme=psl"));
    SettingsException e =
        assertThrows(SettingsException.class, () -> MpslSettings.of(psl.withScheme("mpsl")));
    assertEquals("splitemu.mpsl.hops: must not be null", e.getMessage());
  }
}
