package io.splitemu.actors.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The class path of the tests' child JVMs ({@link ChildRun}, the cluster tests' members, ...), with
 * an application class-data-sharing archive of the Scala, Pekko and ND4J classes they all load.
 *
 * <p>Some 60 child JVMs start in a test run, each loading and verifying the same few thousand
 * library classes from jars: about 1 s of CPU and of wall time each on a 2-core host
 * (docs/benchmarks.md, "Child JVMs of the tests share a class-data-sharing archive"). Once per test
 * JVM, on first use, this copies the test class path's directories ({@code target/classes}, {@code
 * target/test-classes}) into jars (JDK 17's archives take no class from a directory, and refuse a
 * class path with a non-empty one), and starts one training JVM on that class path (a one-round
 * timing run, then a cluster member up as its own seed) that writes a dynamic archive at its exit
 * ({@code -XX:ArchiveClassesAtExit}), about 15 s later on a busy 2-core host. Children started
 * meanwhile run on the jars without it. The archive is renamed into place only once that JVM has
 * exited with 0: a child maps it, and a JVM crashes on a truncated one. Children use it through
 * {@code -XX:SharedArchiveFile} with {@code -Xshare:auto}, so a stale or unusable archive only
 * costs the time it saved, and {@code -Xlog:cds=off}: the JVM would say so on stdout, which tests
 * read.
 *
 * <p>The jars hold the same classes and resources as the directories, with their directory entries
 * ({@code MessageClasses} lists a package by its directory's resource). Should the copy fail, the
 * children get the test JVM's class path as it is; should the training JVM fail or not end within 2
 * minutes, the jars without an archive. {@code -Dsplitemu.test.no-cds=true} (on Maven's command
 * line) gives them the test JVM's class path, as before.
 */
public final class ChildJvm {

  /**
   * Options that keep the JVM from printing anything about the archive: without them a stale one (a
   * jar rebuilt since) prints a warning on stdout, and the training JVM warnings on the classes it
   * leaves out (a class that fails verification, pre-Java-6 class files).
   */
  private static final List<String> QUIET = List.of("-Xlog:cds=off", "-Xlog:cds+dynamic=off");

  /** {@code -cp} and the children's class path; null before the first call. */
  private static List<String> jarPath;

  /** The archive's options, set once the training JVM has written it. */
  private static volatile List<String> archiveOptions = List.of();

  private ChildJvm() {}

  /**
   * The options that give a child JVM the test class path: {@code -cp PATH}, preceded by the
   * archive's options once the archive is made (children started while it is being made run without
   * it).
   */
  public static List<String> classPath() {
    List<String> cp;
    synchronized (ChildJvm.class) {
      if (jarPath == null) {
        jarPath = prepare();
      }
      cp = jarPath;
    }
    List<String> options = new ArrayList<>(archiveOptions);
    options.addAll(cp);
    return List.copyOf(options);
  }

  /** Makes the jars and starts the training JVM; the class path to use. */
  private static List<String> prepare() {
    String plain = System.getProperty("java.class.path");
    List<String> fallback = List.of("-cp", plain);
    if (Boolean.getBoolean("splitemu.test.no-cds")) {
      return fallback;
    }
    Path dir = null;
    try {
      Path target =
          Path.of(ChildJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .getParent();
      dir = Files.createTempDirectory(target, "child-jvm-");
      List<String> entries = new ArrayList<>();
      int n = 0;
      for (String entry : plain.split(java.io.File.pathSeparator)) {
        Path p = Path.of(entry);
        if (Files.isDirectory(p)) {
          Path jar = dir.resolve("dir-" + ++n + ".jar");
          jar(p, jar);
          entries.add(jar.toString());
        } else {
          entries.add(entry);
        }
      }
      String cp = String.join(java.io.File.pathSeparator, entries);
      Process training = train(target, dir, cp);
      Path made = dir;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    training.destroyForcibly();
                    try {
                      training.waitFor(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                    delete(made);
                  },
                  "child-jvm-cleanup"));
      Path partial = dir.resolve("app.jsa.partial");
      Path archive = dir.resolve("app.jsa");
      training
          .onExit()
          .thenRun(
              () -> {
                try {
                  if (training.exitValue() == 0 && Files.isRegularFile(partial)) {
                    Files.move(partial, archive, StandardCopyOption.ATOMIC_MOVE);
                    List<String> options = new ArrayList<>();
                    options.add("-XX:SharedArchiveFile=" + archive);
                    options.add("-Xshare:auto");
                    options.addAll(QUIET);
                    archiveOptions = List.copyOf(options);
                  }
                } catch (IOException | RuntimeException e) {
                  // no archive: the children run without one
                }
              });
      return List.of("-cp", cp);
    } catch (IOException | URISyntaxException | RuntimeException e) {
      // The jars made so far (some 8 MB) would stay in actors/target until a clean.
      if (dir != null) {
        delete(dir);
      }
      return fallback;
    }
  }

  /** Copies the files under {@code dir} into {@code jar}, with their directory entries. */
  private static void jar(Path dir, Path jar) throws IOException {
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream j = new JarOutputStream(out);
        Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.sorted()::iterator) {
        if (f.equals(dir)) {
          continue;
        }
        String name = dir.relativize(f).toString().replace('\\', '/');
        if (Files.isDirectory(f)) {
          j.putNextEntry(new JarEntry(name + "/"));
        } else {
          j.putNextEntry(new JarEntry(name));
          Files.copy(f, j);
        }
        j.closeEntry();
      }
    }
  }

  /**
   * Starts the training JVM, which writes {@code app.jsa.partial} in {@code dir} at its exit, and
   * ends within 2 minutes (it is killed then, and its archive not used).
   */
  private static Process train(Path target, Path dir, String cp) throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(ChildRun.CHILD_JVM);
    command.add("-XX:ArchiveClassesAtExit=" + dir.resolve("app.jsa.partial"));
    command.addAll(QUIET);
    command.add("-Dlogback.configurationFile=logback.xml");
    command.add("-cp");
    command.add(cp);
    command.add(ChildJvmTraining.class.getName());
    command.add(dir.resolve("run").toString());
    command.add(Integer.toString(port));
    command.add(target.resolve("../../scenarios/quickstart.conf").normalize().toString());
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("training.log").toFile())
            .start();
    p.onExit().orTimeout(2, TimeUnit.MINUTES).exceptionally(timeout -> p.destroyForcibly());
    return p;
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // left for mvn clean
    }
  }
}
