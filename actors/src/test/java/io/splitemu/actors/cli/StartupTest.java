package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;

/**
 * What a user sees before any result: {@code -V} names the build's version, and a command's
 * standard error carries no logging noise. Each case runs the CLI in a JVM of its own, as the
 * {@code splitemu} script does: logging is bound once per JVM, and the test JVM's is long bound
 * (the subcommands' {@code --version}, which logs nothing, in this JVM).
 */
class StartupTest {

  @TempDir Path tmp;

  record Exit(int code, String out, String err) {}

  /** Runs {@link Main} on the test classpath in a new JVM. */
  private Exit main(String... args) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java.toString());
    cmd.addAll(ChildJvm.classPath());
    cmd.add(Main.class.getName());
    cmd.addAll(List.of(args));
    Path out = tmp.resolve("stdout.txt");
    Path err = tmp.resolve("stderr.txt");
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("splitemu " + String.join(" ", args) + " did not end in 5 min");
    }
    return new Exit(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  /** The project version declared by the poms (the actors module inherits its parent's). */
  private static String pomVersion() throws Exception {
    Element project =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(Path.of("pom.xml").toFile())
            .getDocumentElement();
    for (String tag : new String[] {"version", "parent"}) {
      var nodes = project.getChildNodes();
      for (int i = 0; i < nodes.getLength(); i++) {
        if (nodes.item(i) instanceof Element e && e.getTagName().equals(tag)) {
          if (tag.equals("version")) {
            return e.getTextContent().strip();
          }
          return e.getElementsByTagName("version").item(0).getTextContent().strip();
        }
      }
    }
    throw new AssertionError("pom.xml names no version");
  }

  @Test
  void version_isTheProjectVersionFromThePom() throws Exception {
    String version = pomVersion();
    assertFalse(version.isBlank() || version.contains("$"), version);
    Exit e = main("-V");
    assertEquals(0, e.code(), e.err());
    assertEquals("splitemu " + version, e.out().strip());
    assertEquals("", e.err());
  }

  @Test
  void version_onEverySubcommand_isTheVersion_inProcess() {
    // each subcommand's --version printed nothing, exit 0 (it had no version provider)
    String expected = "splitemu " + Main.Version.projectVersion();
    var subcommands = new picocli.CommandLine(new Main()).getSubcommands().keySet();
    assertFalse(subcommands.isEmpty());
    for (String sub : subcommands) {
      for (String flag : List.of("--version", "-V")) {
        var out = new java.io.StringWriter();
        var err = new java.io.StringWriter();
        int code = Main.run(new java.io.PrintWriter(out), new java.io.PrintWriter(err), sub, flag);
        assertEquals(0, code, sub + " " + flag + ": " + err);
        assertEquals(expected, out.toString().strip(), sub + " " + flag);
        assertEquals("", err.toString(), sub + " " + flag);
      }
    }
  }

  @Test
  void run_printsNoLoggingNoiseOnStandardError() throws Exception {
    // A timing run loads no ND4J, whose start used to bind SLF4J first on the main thread and so
    // hid the race between the actor system's threads that made SLF4J print its replay warnings.
    Path scenario = tmp.resolve("small.conf");
    Files.writeString(
        scenario,
        "splitemu {\n"
            + "  scenario = small\n"
            + "  rounds = 1\n"
            + "  fidelity = timing\n"
            + "  local-steps = 2\n"
            + "  model { name = mlp, cut = 1 }\n"
            + "  data { train-samples = 200, test-samples = 50 }\n"
            + "  devices { count = 2, flops = [1e9, 2e9] }\n"
            + "  output.plots = false\n"
            + "}\n");
    Exit e = main("run", scenario.toString(), "--out", tmp.resolve("out").toString());
    assertEquals(0, e.code(), e.err() + e.out());
    assertTrue(e.out().contains("results: "), e.out());
    assertFalse(e.err().contains("SLF4J"), e.err());
    assertEquals("", e.err().strip(), "nothing on standard error");
  }
}
