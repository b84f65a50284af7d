package io.splitemu.actors.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads a splitemu metrics endpoint over HTTP and picks samples out of its text format. */
public final class MetricsText {

  private MetricsText() {}

  /** The body of {@code GET /metrics} on the local port, which must answer 200. */
  public static String scrape(int port) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return r.body();
  }

  /**
   * The value of the first sample of {@code name} whose label set contains every one of {@code
   * labels} (as written, e.g. {@code scheme="mpsl"}), or null.
   */
  public static Double sample(String text, String name, String... labels) {
    Pattern line = Pattern.compile("^" + name + "\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE);
    Matcher m = line.matcher(text);
    while (m.find()) {
      boolean all = true;
      for (String l : labels) {
        all &= m.group(1).contains(l);
      }
      if (all) {
        return Double.parseDouble(m.group(2));
      }
    }
    return null;
  }
}
