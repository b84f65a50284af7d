package io.splitemu.actors.scheme;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import java.nio.file.Path;

/**
 * A split-learning scheme as a strategy on the runtime: its name, the engine family that runs it,
 * its scenario check and build, and its planner, which decides a round (cluster visits, cuts per
 * device, shares, server mode, pipeline placement) from the state observed at the round's start.
 * The same object drives {@code run}, {@code compare} and {@code plan}; {@link Schemes} holds one
 * per name.
 */
public interface Scheme {

  /** The engine that runs a scheme's rounds. */
  enum Family {
    /** Cluster visits of barrier steps on the supervisor (sl, psl, sfl-v1, sfl-v2, cpsl*). */
    BARRIER,
    /**
     * Per-device cuts and shares on the supervisor: the edge server's depth per device (edgesplit*,
     * sfl-compute*, dag-*).
     */
    SPLIT,
    /** Compute hops of a multihop pipeline (mpsl*). */
    PIPELINE
  }

  /** The name scenario files and {@code --schemes} use. */
  String name();

  /** The engine family that runs this scheme. */
  Family family();

  /**
   * Checks {@code s} for this scheme and builds what its run needs, creating no files; a scenario
   * the scheme cannot run fails with one line naming the key ({@link
   * io.splitemu.actors.config.SettingsException}).
   */
  Emulation.Prepared prepare(Settings s);

  /**
   * Runs a prepared scenario into {@code dir} (a new stamped folder if null) and reports it; every
   * family runs on the supervisor.
   */
  default Emulation.Outcome run(Emulation.Prepared p, Path dir, RunListener listener) {
    return Emulation.runSupervised(p, dir, listener, Emulation.RunControl.NONE);
  }

  /**
   * {@link #run(Emulation.Prepared, Path, RunListener)} resumed from a checkpoint or stoppable at a
   * round boundary ({@code control}), which the supervisor does for every family.
   */
  default Emulation.Outcome run(
      Emulation.Prepared p, Path dir, RunListener listener, Emulation.RunControl control) {
    return Emulation.runSupervised(p, dir, listener, control);
  }

  /**
   * Round 1 as this scheme's planner decides it from the state it observes at the round's start,
   * with its predicted latency; refuses what {@link #prepare} refuses, with the same line: {@code
   * s} is checked as given (its fidelity and, in {@code full} fidelity, its data), and only then
   * planned, in {@code timing} where the planner needs no model.
   */
  SchemePlan plan(Settings s);

  /**
   * The name of the model (or model profile) a run of {@code s} trains or times: {@code model.name}
   * for most schemes, MP-SL's measured {@code mpsl.model}, a DAG scheme's {@code dag.profile}.
   * {@code compare} names it per scheme, since these keys are apart.
   */
  String model(Settings s);

  /** The scenario key {@link #model} comes from. */
  default String modelKey() {
    return "model.name";
  }
}
