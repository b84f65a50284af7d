package io.splitemu.bench;

import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.RoundRecord;
import io.splitemu.actors.runtime.BatchCursor;
import io.splitemu.actors.runtime.Emulation;
import io.splitemu.actors.runtime.RunListener;
import io.splitemu.model.data.Batch;
import io.splitemu.model.data.Dataset;
import io.splitemu.model.data.DatasetSplit;
import io.splitemu.model.data.Partition;
import io.splitemu.model.nn.ChainModel;
import io.splitemu.model.nn.LossStep;
import io.splitemu.model.nn.ModelZoo;
import io.splitemu.model.nn.Slice;
import io.splitemu.model.nn.TestAccuracy;
import io.splitemu.net.SeededStreams;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The emulator's overhead: wall time of a {@code full}-fidelity parallel split learning (PSL) run
 * through {@link Emulation} against a plain single-process DL4J loop that trains the same model
 * (the unsplit {@link ChainModel#whole()}) on the same batches in the same order, with the same
 * evaluation work. The plain loop is the floor: no actors, no messages, no per-device slices, no
 * FedAvg, no results files, and DL4J's own convolution layer where the emulator uses {@code
 * ContiguousConvolution} (the same bits, faster); {@code --plain-convolution ours} gives the loop
 * splitemu's convolution too, to tell the convolution's gain from the engine's cost.
 *
 * <p>Not JMH: one PSL run takes seconds to minutes, so this main runs one warm-up of each side and
 * then N alternating repetitions, and reports the best wall time of each and their ratio.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.splitemu.bench.OverheadBenchmark \
 *     [scenario.conf] [--reps N] [--only psl|plain] [--plain-convolution stock|ours]
 *     [--set key=value]...
 * </pre>
 *
 * <p>What is timed: for PSL, {@link Emulation#run(Emulation.Prepared, Path, RunListener)} (actor
 * system start and stop, every round, evaluation, results files and plots), not {@link
 * Emulation#prepare} (data generation and model initialisation); for the plain loop, the rounds and
 * their evaluations, not building the data set and the model. Both sides build the same data set,
 * partition and initial weights from the scenario seed.
 */
public final class OverheadBenchmark {

  private OverheadBenchmark() {}

  /** One timed repetition: wall seconds, process user and system CPU seconds, and its outcome. */
  record Timing(double wallS, double userS, double sysS, double accuracy, double loss) {}

  public static void main(String[] args) throws Exception {
    Path scenario = Path.of("scenarios/quickstart.conf");
    int reps = 3;
    String only = "";
    boolean plainOurs = false;
    List<String> sets = new ArrayList<>();
    // barrier.timeout is a wall-clock watchdog that ends the run when a step's replies take that
    // long; on a loaded machine a slow full-fidelity step must not end the PSL side early.
    // (Emulated drops come from barrier.deadline, which the quickstart's devices never miss.) A
    // --set given later still wins.
    sets.add("barrier.timeout=1 h");
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--only" -> only = args[++i];
        case "--plain-convolution" -> plainOurs = ours(args[++i]);
        case "--set" -> sets.add(args[++i]);
        default -> scenario = Path.of(args[i]);
      }
    }
    // The comparison is defined for a full-fidelity PSL run; other schemes have other floors.
    sets.add("scheme=psl");
    sets.add("fidelity=full");
    Settings s = Settings.load(scenario, sets);

    System.out.printf(
        Locale.ROOT,
        "scenario %s: %d devices, %d rounds, batch %d, model %s cut %d, reps %d after 1 warm-up%n",
        scenario,
        s.devices().count(),
        s.rounds(),
        s.batchSize(),
        s.model().name(),
        s.model().cut(),
        reps);
    List<Timing> psl = new ArrayList<>();
    List<Timing> plain = new ArrayList<>();
    for (int r = 0; r <= reps; r++) {
      String tag = r == 0 ? "warm-up" : "rep " + r;
      if (!only.equals("plain")) {
        Timing t = runPsl(s);
        print(tag + " psl  ", t);
        if (r > 0) {
          psl.add(t);
        }
      }
      if (!only.equals("psl")) {
        Timing t = runPlain(s, plainOurs);
        print(tag + " plain", t);
        if (r > 0) {
          plain.add(t);
        }
      }
    }
    Comparator<Timing> byWall = Comparator.comparingDouble(Timing::wallS);
    if (!psl.isEmpty()) {
      print("best psl  ", psl.stream().min(byWall).orElseThrow());
    }
    if (!plain.isEmpty()) {
      print("best plain", plain.stream().min(byWall).orElseThrow());
    }
    if (!psl.isEmpty() && !plain.isEmpty()) {
      double ratio =
          psl.stream().min(byWall).orElseThrow().wallS()
              / plain.stream().min(byWall).orElseThrow().wallS();
      System.out.printf(Locale.ROOT, "ratio psl/plain (best wall): %.3f (goal <= 1.2)%n", ratio);
      Comparator<Timing> byCpu = Comparator.comparingDouble(t -> t.userS() + t.sysS());
      Timing p = psl.stream().min(byCpu).orElseThrow();
      Timing q = plain.stream().min(byCpu).orElseThrow();
      System.out.printf(
          Locale.ROOT,
          "ratio psl/plain (best CPU): %.3f%n",
          (p.userS() + p.sysS()) / (q.userS() + q.sysS()));
    }
    System.exit(0);
  }

  private static boolean ours(String convolution) {
    return switch (convolution) {
      case "stock" -> false;
      case "ours" -> true;
      default ->
          throw new IllegalArgumentException(
              "--plain-convolution takes stock or ours, got " + convolution);
    };
  }

  private static void print(String tag, Timing t) {
    System.out.printf(
        Locale.ROOT,
        "%s: wall %.2f s, user %.2f s, sys %.2f s, final accuracy %.4f, last-round loss %.4f%n",
        tag,
        t.wallS(),
        t.userS(),
        t.sysS(),
        t.accuracy(),
        t.loss());
  }

  /** One PSL run through the emulator into a temporary folder, deleted afterwards. */
  static Timing runPsl(Settings s) throws IOException {
    Emulation.Prepared p = Emulation.prepare(s);
    Path dir = Files.createTempDirectory("splitemu-overhead-");
    Files.delete(dir);
    try {
      double[] cpu0 = cpuSeconds();
      long t0 = System.nanoTime();
      Emulation.Outcome o = Emulation.run(p, dir, RunListener.NONE);
      long t1 = System.nanoTime();
      double[] cpu1 = cpuSeconds();
      List<RoundRecord> rounds = o.rounds();
      RoundRecord last = rounds.get(rounds.size() - 1);
      return new Timing(
          (t1 - t0) / 1e9,
          cpu1[0] - cpu0[0],
          cpu1[1] - cpu0[1],
          last.testAccuracy(),
          last.trainLoss());
    } finally {
      deleteTree(dir);
    }
  }

  /**
   * The floor: the unsplit model trained on the concatenation of the devices' batches, device 0
   * first, exactly as the PSL server concatenates them, with the same evaluations.
   */
  static Timing runPlain(Settings s, boolean ourConvolution) throws IOException {
    long seed = s.seed();
    int n = s.devices().count();
    int b = s.batchSize();
    // The runtime's own data, partition and initial model for these settings.
    DatasetSplit data = Emulation.loadData(s);
    Partition partition = Emulation.partition(s, data.train());
    DataType dtype = Emulation.dataType(s);
    // DL4J's own convolution layer unless told: the floor is DL4J as a user would run it.
    ChainModel model =
        ModelZoo.create(
            s.model().name(), Emulation.modelOptions(s).withStockConvolution(!ourConvolution));
    Slice whole = model.whole();
    List<BatchCursor> cursors = new ArrayList<>();
    int steps = s.localSteps();
    for (int d = 0; d < n; d++) {
      int[] shard = partition.indices(d);
      cursors.add(new BatchCursor(shard, SeededStreams.seedFor(seed, "batches/device-" + d)));
      if (s.localSteps() == 0) {
        steps = Math.max(steps, (shard.length + b - 1) / b);
      }
    }
    Dataset train = data.train();
    Dataset test = data.test();
    int evalN =
        s.data().evalSamples() <= 0 ? test.size() : Math.min(s.data().evalSamples(), test.size());

    double[] cpu0 = cpuSeconds();
    long t0 = System.nanoTime();
    double accuracy = Double.NaN;
    double loss = Double.NaN;
    for (int round = 1; round <= s.rounds(); round++) {
      double lossSum = 0;
      for (int step = 0; step < steps; step++) {
        INDArray[] xs = new INDArray[n];
        INDArray[] ys = new INDArray[n];
        for (int d = 0; d < n; d++) {
          Batch batch = train.batch(cursors.get(d).nextBatch(b), dtype);
          xs[d] = batch.features();
          ys[d] = batch.labels();
        }
        INDArray x = n == 1 ? xs[0] : Nd4j.concat(0, xs);
        INDArray y = n == 1 ? ys[0] : Nd4j.concat(0, ys);
        LossStep st = whole.trainStep(x, y);
        lossSum += st.loss();
      }
      loss = lossSum / steps;
      if (round % s.evalEvery() == 0 || round == s.rounds()) {
        accuracy = evaluate(whole, test, evalN, dtype);
      }
    }
    long t1 = System.nanoTime();
    double[] cpu1 = cpuSeconds();
    return new Timing((t1 - t0) / 1e9, cpu1[0] - cpu0[0], cpu1[1] - cpu0[1], accuracy, loss);
  }

  // The same chunked pass over the test set as the engines' evaluation.
  private static double evaluate(Slice whole, Dataset test, int n, DataType dtype) {
    return TestAccuracy.of(whole::output, test, n, dtype);
  }

  // Process user and system CPU seconds from /proc (Linux); NaN elsewhere.
  private static double[] cpuSeconds() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // After the command name: state is field 3, utime field 14, stime field 15 (clock ticks).
      double hz = 100.0;
      return new double[] {Long.parseLong(f[11]) / hz, Long.parseLong(f[12]) / hz};
    } catch (IOException | RuntimeException e) {
      return new double[] {Double.NaN, Double.NaN};
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
