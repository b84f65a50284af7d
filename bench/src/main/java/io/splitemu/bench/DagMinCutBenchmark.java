package io.splitemu.bench;

import io.splitemu.model.profile.DagProfile;
import io.splitemu.model.profile.ModelProfiles;
import io.splitemu.planner.dag.DagSplit;
import io.splitemu.planner.dag.DagSplitter;
import io.splitemu.planner.dag.SplitRates;
import java.nio.file.Path;
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
 * DAG min-cut split on imported Caffe models (goal: median under 1 ms).
 *
 * <p>The Caffe folder comes from {@code -p caffeDir=...} or the system property {@code
 * splitemu.caffe}, else {@code models/caffe} below the system property {@code splitemu.data} (the
 * tests' data folder), else {@code ../shared/data/models/caffe}, relative to the working directory.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DagMinCutBenchmark {

  @Param({
    "bvlc_googlenet_deploy.prototxt",
    "ResNet-50-deploy.prototxt",
    "ResNet-101-deploy.prototxt",
    "DenseNet_121.prototxt"
  })
  public String model;

  @Param({""})
  public String caffeDir;

  private DagProfile dag;
  private SplitRates rates;

  @Setup
  public void load() {
    String dir =
        caffeDir.isBlank()
            ? System.getProperty(
                "splitemu.caffe",
                Path.of(System.getProperty("splitemu.data", "../shared/data"), "models", "caffe")
                    .toString())
            : caffeDir;
    dag = ModelProfiles.load(Path.of(dir, model).toString());
    // a phone-class device, an edge GPU server and a 4G-like link; batch 32
    rates = new SplitRates(2e10, 1e13, 2e7, 5e7, 32);
  }

  @Benchmark
  public DagSplit minCut() {
    return DagSplitter.minCut(dag, rates);
  }
}
