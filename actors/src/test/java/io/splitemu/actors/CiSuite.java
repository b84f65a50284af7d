package io.splitemu.actors;

import java.util.List;

/**
 * What {@code -Dsplitemu.data} makes of a test run: the CI suite ({@code .ci/run} runs exactly the
 * README's test command with it), in which a test whose tool is missing fails rather than skips, so
 * that CI cannot pass by skipping. Without it those tests skip, with the same line as reason.
 */
public final class CiSuite {

  /**
   * The Debian packages whose programs the CI suite's tests run: the Prometheus server and promtool
   * (metrics tests, DashboardQueriesTest), docker-compose, kubectl, shellcheck and PyYAML
   * (DeployFilesTest's static checks of deploy/). {@code .ci/run} installs them when missing;
   * DeployFilesTest holds {@code .ci/run} and README.md ("Test it") to this list.
   */
  public static final List<String> DEBIAN_PACKAGES =
      List.of("prometheus", "docker-compose", "kubernetes-client", "shellcheck", "python3-yaml");

  private CiSuite() {}

  /**
   * One line for a missing tool: {@code what} is missing, and what the CI suite needs and how to
   * install it.
   */
  public static String missing(String what) {
    return what
        + ": with -Dsplitemu.data the tests are the CI suite, which needs the Debian packages "
        + String.join(", ", DEBIAN_PACKAGES)
        + " (.ci/run installs them: sudo apt-get install --no-install-recommends "
        + String.join(" ", DEBIAN_PACKAGES)
        + ") and fails without them; outside it this test is skipped";
  }
}
