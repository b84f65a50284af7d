package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A JVM error in an actor (a recursion too deep for its thread's stack, a heap too small) makes
 * Pekko end the JVM with status 255 ({@code pekko.jvm-exit-on-fatal-error}); the run's shutdown
 * line then says so and where the rounds are, not "stopped by a signal" (before 2026-12-06 it did,
 * after a deep prototxt's StackOverflowError in the planner). The child JVM is a real actor system
 * whose actor throws, with {@code run}'s shutdown hook line.
 */
class ActorErrorExitTest {

  @TempDir Path tmp;

  /** The child: {@code run}'s shutdown line for folder args[0], then an actor that overflows. */
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> System.err.println(RunCommand.signalLine(dir))));
    ActorSystem<String> system =
        ActorSystem.create(
            Behaviors.receiveMessage(
                m -> {
                  throw new StackOverflowError("injected in an actor");
                }),
            "error-exit");
    system.tell("go");
    Thread.sleep(60_000); // Pekko ends the JVM long before
    System.exit(3);
  }

  @Test
  void aJvmErrorInAnActor_endsTheJvm_withALineSayingSo_notASignal() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("results"));
    Files.writeString(dir.resolve("scenario.conf"), "splitemu {}\n");
    Path err = tmp.resolve("stderr.txt");
    Process p =
        new ProcessBuilder(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    ActorErrorExitTest.class.getName(),
                    dir.toString()))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(err.toFile())
            .start();
    if (!p.waitFor(2, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("the child JVM did not end in 2 min");
    }
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    assertEquals(255, p.exitValue(), stderr);
    String last = stderr.strip().lines().reduce((a, b) -> b).orElse("");
    assertTrue(
        last.startsWith("splitemu: a JVM error in an actor ended the JVM"), "last line: " + last);
    assertTrue(last.endsWith("the rounds recorded so far are in " + dir.toAbsolutePath()), last);
  }

  @Test
  void aStackWithoutPekkosHandler_isASignal() {
    StackTraceElement exit = new StackTraceElement("java.lang.Runtime", "exit", "Runtime.java", 1);
    StackTraceElement handler =
        new StackTraceElement(
            "org.apache.pekko.actor.ActorSystemImpl$$anon$1",
            "uncaughtException",
            "ActorSystemImpl.scala",
            1);
    StackTraceElement other = new StackTraceElement("a.B", "c", "B.java", 1);
    assertTrue(
        RunCommand.exitingOnActorError(
            List.<StackTraceElement[]>of(new StackTraceElement[] {exit, handler})));
    assertEquals(
        false,
        RunCommand.exitingOnActorError(
            List.<StackTraceElement[]>of(new StackTraceElement[] {exit, other})));
    assertEquals(
        false,
        RunCommand.exitingOnActorError(
            List.<StackTraceElement[]>of(new StackTraceElement[] {handler})));
  }
}
