package io.splitemu.bench;

import io.splitemu.model.profile.MeasuredProfile;
import io.splitemu.planner.memory.MemoryAccounting;
import io.splitemu.planner.memory.MemoryModel;
import io.splitemu.planner.memory.UnitMemory;
import io.splitemu.planner.multihop.HopCosts;
import io.splitemu.planner.multihop.MultihopObjective;
import io.splitemu.planner.multihop.MultihopPlacer;
import io.splitemu.planner.multihop.Placement;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Exact MP-SL placement of ResNet-101 (CIFAR, 37 measured units) over 2 to 36 hops with
 * heterogeneous hop speeds (goal: median under 10 ms).
 *
 * <p>The table folder comes from {@code -p tableDir=...} or the system property {@code
 * splitemu.mpsl}, else {@code profiles/mpsl-measured} below the system property {@code
 * splitemu.data} (the tests' data folder), else {@code ../shared/data/profiles/mpsl-measured},
 * relative to the working directory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MultihopPlacementBenchmark {

  @Param({"2", "4", "8", "16", "24", "35"})
  public int hops;

  @Param({"SUM_OF_MAXIMA", "MAX_OF_SUMS"})
  public MultihopObjective objective;

  @Param({""})
  public String tableDir;

  /**
   * The device keeps unit 1 and unit 37 (MultihopPlacer refuses an empty head or tail), so the hops
   * share the 35 middle units 2..36; with 35 hops each gets one of its own.
   */
  private static final int S1 = 1;

  private static final int S_LAST = 36;

  private HopCosts costs;
  private double[] mu;
  private double[] limits;

  @Setup
  public void load() {
    String dir =
        tableDir.isBlank()
            ? System.getProperty(
                "splitemu.mpsl",
                Path.of(
                        System.getProperty("splitemu.data", "../shared/data"),
                        "profiles",
                        "mpsl-measured")
                    .toString())
            : tableDir;
    MeasuredProfile p =
        MeasuredProfile.read(
            Path.of(dir, "resnet101_cifar_times.csv"), Path.of(dir, "resnet101_cifar_memory.csv"));
    double[] slowdown = new double[hops];
    for (int i = 0; i < hops; i++) {
      // alternate fast and slow hops so the placement is not symmetric
      slowdown[i] = 1.0 + 0.5 * (i % 3);
    }
    costs = HopCosts.fromMeasured(p, "VM", slowdown, 128);
    UnitMemory m = UnitMemory.of(p);
    mu = new double[p.unitCount()];
    for (int j = 1; j <= mu.length; j++) {
      mu[j - 1] = MemoryModel.unitBytes(m, j, 128, MemoryAccounting.PAPER, 0);
    }
    limits = new double[hops];
    Arrays.fill(limits, 64e9);
  }

  @Benchmark
  public Placement place() {
    return MultihopPlacer.place(costs, S1, S_LAST, mu, 20, limits, objective).orElseThrow();
  }
}
