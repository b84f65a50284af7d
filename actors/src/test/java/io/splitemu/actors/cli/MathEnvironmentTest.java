package io.splitemu.actors.cli;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.splitemu.actors.config.Settings.Fidelity;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A full-fidelity run says so when its native math would round its losses otherwise. */
class MathEnvironmentTest {

  private static final Map<String, String> LAUNCHER =
      Map.of("OMP_NUM_THREADS", "1", "OPENBLAS_CORETYPE", "Haswell");

  @Test
  void theLaunchersSetUp_orTimingFidelity_saysNothing() {
    assertNull(MathEnvironment.note(Fidelity.FULL, LAUNCHER, true));
    assertNull(MathEnvironment.note(Fidelity.FULL, Map.of("OMP_NUM_THREADS", "1"), false));
    assertNull(MathEnvironment.note(Fidelity.TIMING, Map.of(), true));
    assertNull(MathEnvironment.note(Fidelity.TIMING, Map.of("OMP_NUM_THREADS", "4"), true));
  }

  @Test
  void otherThreads_orUnset_isOneLineNamingTheVariable() {
    String two =
        MathEnvironment.note(
            Fidelity.FULL, Map.of("OMP_NUM_THREADS", "2", "OPENBLAS_CORETYPE", "Haswell"), true);
    assertTrue(two.contains("OMP_NUM_THREADS is '2'") && !two.contains("\n"), two);
    String unset = MathEnvironment.note(Fidelity.FULL, Map.of(), false);
    assertTrue(unset.contains("OMP_NUM_THREADS is unset"), unset);
    assertTrue(!unset.contains("OPENBLAS_CORETYPE"), unset);
  }

  @Test
  void noKernelPin_onAnAvx2Host_isNamed() {
    String line = MathEnvironment.note(Fidelity.FULL, Map.of("OMP_NUM_THREADS", "1"), true);
    assertTrue(line.contains("OPENBLAS_CORETYPE is unset") && !line.contains("OMP_"), line);
  }

  @Test
  void theTestJvm_runsAsTheLauncherDoes() {
    // The tests' JVM (.mvn/test-jvm, the root pom's surefire environment) sets up the launcher's
    // math, so the full-fidelity golden holds.
    assertNull(MathEnvironment.note(Fidelity.FULL));
  }
}
