package io.splitemu.actors.runtime;

import io.splitemu.actors.config.CpslSettings;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.config.SettingsException;
import io.splitemu.actors.config.ValueSource;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.profile.ChainProfile;
import io.splitemu.net.link.ShannonChannel;
import io.splitemu.planner.cpsl.ExhaustiveClustering;
import io.splitemu.planner.cpsl.NetworkState;
import io.splitemu.planner.cpsl.NetworkStateSampler;
import io.splitemu.planner.latency.RateFunction;
import io.splitemu.planner.latency.ShannonRate;
import java.util.List;

/**
 * What the supervisor needs to run CPSL: its settings, the model profile (the per-cut costs the
 * devices and the server are rebuilt with when the cut moves), the devices' links as the runtime
 * knows them in each round, and the network-state sampler of the large timescale.
 *
 * @param settings the cpsl block with the scheme's alias applied
 * @param profile the model profile (every cut's FLOPs and bytes)
 * @param initialCut the cut the slices were built at ({@code model.cut}); under {@code cpsl.cut =
 *     schedule} a first entry that differs is a re-cut before round 1
 * @param seed the scenario seed (SAA and clustering streams derive from it)
 * @param links each device's uplink and downlink rate functions in a round
 * @param sampler draws compute factors and channel gains for SAA
 * @param model the whole model the slices were cut from ({@code null} in timing fidelity)
 * @param propagationSeconds each transfer's propagation delay ({@code links.propagation-delay})
 */
public record CpslSetup(
    CpslSettings settings,
    ChainProfile profile,
    int initialCut,
    long seed,
    Links links,
    NetworkStateSampler sampler,
    ChainModel model,
    double propagationSeconds) {

  /** The links of the devices as rate functions of the share of one band. */
  public interface Links {
    /**
     * The uplink of {@code device} as it was in {@code round} (1-based); round 0 is the nominal
     * link (path loss only, fading power at its mean 1), the state before anything was observed.
     */
    RateFunction uplink(int device, int round);

    /** The downlink, as {@link #uplink}. */
    RateFunction downlink(int device, int round);
  }

  /** The CPSL setup of a scenario whose scheme is cpsl or an alias; refuses trace links. */
  public static CpslSetup of(Settings s, ChainProfile profile, ChainModel model) {
    Settings.LinkSettings l = s.links();
    long seed = s.seed();
    Links links = links(s);
    if (links == null) {
      throw new SettingsException(
          s.where("links.kind")
              + ": scheme "
              + s.scheme()
              + " allocates spectrum shares and needs static or shannon links, got "
              + l.kind());
    }
    boolean fading = l.kind().equals("shannon") && l.fading().equals("rayleigh");
    CpslSettings c = s.cpsl().forScheme(s.scheme());
    int n = s.devices().count();
    if (c.clustering().equals("exhaustive") && n > ExhaustiveClustering.MAX_DEVICES) {
      // The planner refuses it only when it first clusters, inside the run.
      throw new SettingsException(
          "splitemu.cpsl.clustering: exhaustive searches every partition and takes at most "
              + ExhaustiveClustering.MAX_DEVICES
              + " devices, but "
              + s.where("devices.count")
              + " is "
              + n
              + "; use gibbs or sorted, or at most "
              + ExhaustiveClustering.MAX_DEVICES
              + " devices");
    }
    for (int cut : c.cutCandidates()) {
      if (cut >= profile.size()) {
        throw new SettingsException(
            "splitemu.cpsl.cut-candidates: cut "
                + cut
                + " outside 1.."
                + (profile.size() - 1)
                + " for model "
                + profile.model());
      }
    }
    // Checked whatever cpsl.cut is, as cut-candidates is: a bad entry is a mistake either way.
    List<Integer> schedule = c.cutSchedule();
    for (int i = 0; i < schedule.size(); i++) {
      if (schedule.get(i) >= profile.size()) {
        throw new SettingsException(
            "splitemu.cpsl.cut-schedule: entry "
                + i
                + " (round "
                + (i + 1)
                + ") is cut "
                + schedule.get(i)
                + ", outside the interior cuts 1.."
                + (profile.size() - 1)
                + " of model "
                + profile.model());
      }
    }
    ValueSource factor = s.devices().roundFactor();
    NetworkStateSampler sampler =
        (count, rng) -> {
          double[] cf = new double[count];
          double[] up = new double[count];
          double[] down = new double[count];
          for (int i = 0; i < count; i++) {
            cf[i] = factor.value(i, rng);
            up[i] = fading ? -StrictMath.log1p(-rng.nextDouble()) : 1.0;
            down[i] = fading ? -StrictMath.log1p(-rng.nextDouble()) : 1.0;
          }
          return new NetworkState(cf, up, down);
        };
    return new CpslSetup(
        c,
        profile,
        s.model().cut(),
        seed,
        links,
        sampler,
        model,
        l.propagationDelay().toNanos() / 1e9);
  }

  /**
   * The devices' links as rate functions of the share of one band, per round, for static and
   * Shannon links (null for trace links): the draws of {@link Emulation#links} (the same named
   * streams of link rates, distances and per-round fading), as the planners see them.
   */
  public static Links links(Settings s) {
    Settings.LinkSettings l = s.links();
    int n = s.devices().count();
    long seed = s.seed();
    switch (l.kind()) {
      case "static":
        {
          double[] up = Emulation.perDevice(l.staticUplinkBps(), n, seed, "links/uplink-bps");
          double[] down = Emulation.perDevice(l.staticDownlinkBps(), n, seed, "links/downlink-bps");
          return new Links() {
            @Override
            public RateFunction uplink(int device, int round) {
              return RateFunction.linear(up[device]);
            }

            @Override
            public RateFunction downlink(int device, int round) {
              return RateFunction.linear(down[device]);
            }
          };
        }
      case "shannon":
        {
          // The same draws as the emulated links (Emulation), so planner and links agree.
          double[] dist = Emulation.perDevice(l.distanceM(), n, seed, "links/distance-m");
          boolean rayleigh = l.fading().equals("rayleigh");
          return new Links() {
            @Override
            public RateFunction uplink(int device, int round) {
              return shannon(dist[device], l.devicePowerDbm(), device, "up", round);
            }

            @Override
            public RateFunction downlink(int device, int round) {
              return shannon(dist[device], l.apPowerDbm(), device, "down", round);
            }

            private RateFunction shannon(
                double metres, double dbm, int device, String dir, int round) {
              double g = 1.0;
              if (rayleigh && round > 0) {
                // Round r's fading power is interval 0 of the link's per-round stream.
                g =
                    new ShannonChannel(
                            l.bandwidthHz(),
                            1.0,
                            dbm,
                            l.noiseDbmPerHz(),
                            metres / 1000.0,
                            1,
                            seed,
                            "fading/device-" + device + "/" + dir + "/round-" + round)
                        .fading(0);
              }
              return ShannonRate.withPathLoss(
                  l.bandwidthHz(), dbm, metres / 1000.0, g, l.noiseDbmPerHz());
            }
          };
        }
      default:
        return null;
    }
  }
}
