package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.splitemu.actors.cluster.Ports;
import io.splitemu.actors.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * On a cluster the supervisor holds the fault commands given to each device since its state was
 * last kept, to give them again to a device re-created from that state (docs/cluster.md "Losing a
 * member"), and no more: a device a device-crash fault names is told to save its state every round,
 * and those commands stayed, with every other one, for the whole run.
 */
class ClusterGivenCommandsTest {

  @TempDir Path tmp;

  private final List<ActorSystem<?>> started = new ArrayList<>();
  private final ExecutorService runs = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws Exception {
    runs.shutdownNow();
    for (ActorSystem<?> m : started) {
      m.terminate();
      m.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    started.clear();
  }

  private void node(Set<String> roles, int port, int seed) {
    started.add(ClusterGracefulLeaveTest.member(roles, port, seed));
  }

  @Test
  void theCommandsHeldPerDevice_stayBounded_roundAfterRound() throws Exception {
    Settings s =
        Settings.load(
            Path.of("../scenarios/quickstart.conf"),
            List.of(
                "splitemu.rounds=100000",
                "splitemu.local-steps=1",
                "splitemu.fidelity=timing",
                "splitemu.barrier.timeout=10s",
                // Never strikes: device 1 is told to save its state at every round's start.
                "splitemu.faults=[{kind=device-crash, device=1, round=90000}]"));
    Logger supervisor = (Logger) LoggerFactory.getLogger(Supervisor.class);
    Level before = supervisor.getLevel();
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    supervisor.addAppender(logged);
    supervisor.setLevel(Level.DEBUG);
    try {
      int n = Ports.free();
      node(Set.of("edge", "devices"), n, n);
      node(Set.of("devices"), Ports.free(), n);
      Path dir = tmp.resolve("run");
      StopSwitch stop = new StopSwitch();
      CompletableFuture<Emulation.Outcome> run =
          ClusterGracefulLeaveTest.startPastRound(
              s, dir, stop, n, 3, 25, Duration.ofSeconds(120), "the run", runs);
      stop.request();
      run.get(2, TimeUnit.MINUTES);
    } finally {
      supervisor.detachAppender(logged);
      supervisor.setLevel(before);
    }
    Pattern held =
        Pattern.compile("round (\\d+): fault commands held to give again, per device: \\{(.*)\\}");
    TreeMap<Integer, Integer> largest = new TreeMap<>();
    for (ILoggingEvent e : List.copyOf(logged.list)) {
      Matcher m = held.matcher(e.getFormattedMessage());
      if (m.matches()) {
        int most = 0;
        for (String entry : m.group(2).split(", ")) {
          most = Math.max(most, Integer.parseInt(entry.substring(entry.indexOf('=') + 1)));
        }
        largest.put(Integer.parseInt(m.group(1)), most);
      }
    }
    assertTrue(largest.size() >= 20, "rounds logged: " + largest);
    // This round's save-state command and the last round's (given after its state was asked).
    largest.forEach(
        (round, most) ->
            assertTrue(most <= 2, "round " + round + " holds " + most + " commands: " + largest));
  }
}
