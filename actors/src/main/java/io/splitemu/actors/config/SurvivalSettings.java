package io.splitemu.actors.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.util.List;

/**
 * The {@code splitemu.survival} block (docs/faults.md "Survival policies"): what a run does with a
 * device that missed a deadline, and how FedAvg weights the devices present.
 *
 * @param dropForRun whether a device given up at a deadline stays out for the rest of the run
 *     ({@code absent = drop-for-run}); otherwise it is asked again from the next round on ({@code
 *     drop-for-round}), so a hang that ends or a crash that rejoins comes back
 * @param equalWeights whether FedAvg weights every present device equally ({@code weighting =
 *     equal}) rather than by its samples renormalised over those present ({@code samples})
 */
public record SurvivalSettings(boolean dropForRun, boolean equalWeights) {

  /** The defaults: today's behaviour, every figure as before. */
  public static final SurvivalSettings DEFAULT = new SurvivalSettings(true, false);

  /** Reads the block from a scenario's resolved configuration; a bad value fails naming its key. */
  public static SurvivalSettings of(Settings s) {
    Config all;
    try {
      all = ConfigFactory.parseString(s.resolved()).resolve();
    } catch (ConfigException e) {
      throw new SettingsException("splitemu.survival: " + e.getMessage().replace('\n', ' '));
    }
    return read(new SettingsReader(all, Settings.NS).at("survival"));
  }

  /**
   * The block below {@code r}: from the scenario as loaded (checked there, its files and lines
   * named) or from its resolved text.
   */
  static SurvivalSettings read(SettingsReader r) {
    String absent = r.oneOf("absent", List.of("drop-for-run", "drop-for-round"));
    String weighting = r.oneOf("weighting", List.of("samples", "equal"));
    return new SurvivalSettings(absent.equals("drop-for-run"), weighting.equals("equal"));
  }
}
