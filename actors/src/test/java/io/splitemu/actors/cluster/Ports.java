package io.splitemu.actors.cluster;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/** Ports for tests that must name a port before whatever listens on it starts. */
public final class Ports {

  /** Every port handed out in this JVM: a test that picks several never gets one twice. */
  private static final Set<Integer> GIVEN = new HashSet<>();

  private Ports() {}

  /**
   * A port on 127.0.0.1 that was free a moment ago, drawn below the kernel's ephemeral range: a
   * port the kernel hands out itself (to a socket bound to port 0, or to an outgoing connection of
   * another member) could be taken again between this check and the bind of the member it is for.
   * Never the same port twice in one JVM: a test naming a seed and three members before any of them
   * binds would otherwise, now and then, give two of them one port.
   */
  public static synchronized int free() throws IOException {
    int low = ephemeralLow();
    int span = Math.max(1000, low - 10000);
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    for (int tries = 0; tries < 200; tries++) {
      int port = 10000 + ThreadLocalRandom.current().nextInt(span);
      if (GIVEN.contains(port)) {
        continue;
      }
      try (ServerSocket socket = new ServerSocket(port, 1, loopback)) {
        GIVEN.add(port);
        return port;
      } catch (IOException taken) {
        // another one
      }
    }
    throw new IOException("no free port below " + low + " on 127.0.0.1 after 200 tries");
  }

  private static int ephemeralLow() {
    try {
      String range = Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).strip();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException unknown) {
      return 32768; // Linux's default
    }
  }
}
