package io.splitemu.model.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PartitionerTest {
  private static final List<Partitioner> ALL =
      List.of(
          new IidPartitioner(),
          new DirichletPartitioner(0.3),
          new ShardPartitioner(2),
          new QuantitySkewPartitioner(1.0));

  /** A label-only dataset (1x1 images) with the given class sizes, in seeded order. */
  private static Dataset labelled(int[] classSizes, long seed) {
    int n = 0;
    for (int c : classSizes) {
      n += c;
    }
    byte[] labels = new byte[n];
    int at = 0;
    for (int c = 0; c < classSizes.length; c++) {
      for (int j = 0; j < classSizes[c]; j++) {
        labels[at++] = (byte) c;
      }
    }
    int[] perm = Sampling.permutation(n, new SplittableRandom(seed));
    byte[] shuffled = new byte[n];
    for (int i = 0; i < n; i++) {
      shuffled[perm[i]] = labels[i];
    }
    return new Dataset("labels", 1, 1, classSizes.length, new byte[n], shuffled);
  }

  /** Unequal classes, like real data. */
  private static Dataset unbalanced() {
    return labelled(new int[] {590, 670, 600, 610, 580, 540, 590, 630, 585, 595}, 77);
  }

  private static void assertTruePartition(Partition p, int n, int devices, String what) {
    assertEquals(devices, p.numDevices(), what);
    int[] uses = new int[n];
    for (int d = 0; d < devices; d++) {
      int[] idx = p.indices(d);
      assertTrue(idx.length >= 1, what + ": device " + d + " is empty");
      for (int i : idx) {
        uses[i]++;
      }
    }
    for (int i = 0; i < n; i++) {
      assertEquals(1, uses[i], what + ": index " + i + " used " + uses[i] + " times");
    }
    assertTrue(p.isComplete(), what);
  }

  @Test
  void everyPartitioner_isATruePartitionForManyDeviceCounts() {
    Dataset data = unbalanced();
    for (Partitioner partitioner : ALL) {
      for (int devices : new int[] {1, 3, 10, 57, 200}) {
        Partition p = partitioner.partition(data, devices, 5);
        assertTruePartition(p, data.size(), devices, partitioner + " with " + devices);
      }
    }
  }

  @Test
  void everyPartitioner_sameSeedSamePartition_otherSeedDiffers() {
    Dataset data = unbalanced();
    for (Partitioner partitioner : ALL) {
      assertEquals(
          partitioner.partition(data, 20, 1),
          partitioner.partition(data, 20, 1),
          partitioner.toString());
      assertNotEquals(
          partitioner.partition(data, 20, 1),
          partitioner.partition(data, 20, 2),
          partitioner.toString());
    }
  }

  @Test
  void everyPartitioner_fewerSamplesThanDevices_isRefused() {
    Dataset data = labelled(new int[] {3, 2}, 1);
    for (Partitioner partitioner : ALL) {
      assertThrows(
          IllegalArgumentException.class,
          () -> partitioner.partition(data, 6, 1),
          partitioner.toString());
    }
  }

  @Test
  void iid_sizesDifferByAtMostOne_andLabelsLookGlobal() {
    Dataset data = unbalanced();
    PartitionStats s = PartitionStats.of(data, new IidPartitioner().partition(data, 7, 3));
    assertTrue(s.maxSize() - s.minSize() <= 1, s.summary());
    assertTrue(s.meanTotalVariation() < 0.1, s.summary());
    assertEquals(10.0, s.meanClassesPerDevice(), 0.0, s.summary());
  }

  @Test
  void dirichlet_smallerAlphaGivesMoreSkew() {
    Dataset data = unbalanced();
    double[] alphas = {0.05, 0.3, 3, 300};
    double[] tv = new double[alphas.length];
    double[] classes = new double[alphas.length];
    for (int a = 0; a < alphas.length; a++) {
      // Average over seeds so one lucky draw cannot flip the order.
      for (long seed = 0; seed < 5; seed++) {
        PartitionStats s =
            PartitionStats.of(data, new DirichletPartitioner(alphas[a]).partition(data, 20, seed));
        tv[a] += s.meanTotalVariation() / 5;
        classes[a] += s.meanClassesPerDevice() / 5;
      }
    }
    for (int a = 1; a < alphas.length; a++) {
      assertTrue(
          tv[a] < tv[a - 1],
          "TV at alpha "
              + alphas[a]
              + " = "
              + tv[a]
              + " should be below "
              + tv[a - 1]
              + " at alpha "
              + alphas[a - 1]);
      assertTrue(classes[a] >= classes[a - 1], "classes per device should not fall with alpha");
    }
    assertTrue(tv[0] > 0.5, "alpha 0.05 should be strongly skewed, TV " + tv[0]);
    assertTrue(tv[3] < 0.1, "alpha 300 should be nearly IID, TV " + tv[3]);
  }

  @Test
  void dirichlet_repairEmpty_givesWhatTheScanForTheLargestDeviceGave() {
    SplittableRandom rng = new SplittableRandom(16);
    for (int trial = 0; trial < 200; trial++) {
      int devices = 1 + rng.nextInt(80);
      int k = 1 + rng.nextInt(5);
      int[][] counts = new int[devices][k];
      int total = 0;
      for (int d = 0; d < devices; d++) {
        for (int c = 0; c < k; c++) {
          // Mostly empty devices and small, tied sizes.
          counts[d][c] = rng.nextInt(4) == 0 ? rng.nextInt(3) : 0;
          total += counts[d][c];
        }
      }
      for (int d = 0; total < devices; d = (d + 1) % devices) {
        counts[d][0]++;
        total++;
      }
      int[][] expected = new int[devices][];
      for (int d = 0; d < devices; d++) {
        expected[d] = counts[d].clone();
      }
      scanRepairEmpty(expected);
      DirichletPartitioner.repairEmpty(counts);
      for (int d = 0; d < devices; d++) {
        assertArrayEquals(expected[d], counts[d], "trial " + trial + ", device " + d);
      }
    }
  }

  /** The former repair: a scan of all devices for the largest per empty device. */
  private static void scanRepairEmpty(int[][] counts) {
    int devices = counts.length;
    int[] size = new int[devices];
    for (int d = 0; d < devices; d++) {
      for (int v : counts[d]) {
        size[d] += v;
      }
    }
    for (int d = 0; d < devices; d++) {
      if (size[d] > 0) {
        continue;
      }
      int donor = 0;
      for (int e = 1; e < devices; e++) {
        if (size[e] > size[donor]) {
          donor = e;
        }
      }
      int cls = 0;
      for (int c = 1; c < counts[donor].length; c++) {
        if (counts[donor][c] > counts[donor][cls]) {
          cls = c;
        }
      }
      counts[donor][cls]--;
      size[donor]--;
      counts[d][cls]++;
      size[d]++;
    }
  }

  @Test
  void dirichlet_tinyAlphaManyDevices_leavesNoDeviceEmpty() {
    Dataset data = labelled(new int[] {40, 30, 20, 10}, 3);
    for (long seed = 0; seed < 20; seed++) {
      Partition p = new DirichletPartitioner(0.001).partition(data, 100, seed);
      assertTruePartition(p, data.size(), 100, "seed " + seed);
    }
  }

  @Test
  void shards_balancedAlignedClasses_giveAtMostKClassesPerDevice() {
    // 10 classes of 120, 20 devices x 3 shards = 60 shards of 20: each shard is one class.
    int[] sizes = new int[10];
    Arrays.fill(sizes, 120);
    Dataset data = labelled(sizes, 4);
    for (long seed = 0; seed < 5; seed++) {
      PartitionStats s = PartitionStats.of(data, new ShardPartitioner(3).partition(data, 20, seed));
      for (int d = 0; d < 20; d++) {
        assertTrue(s.classCount(d) <= 3, "device " + d + " has " + s.classCount(d) + " classes");
        assertEquals(60, s.sizes()[d]);
      }
    }
  }

  @Test
  void shards_unalignedClasses_giveAtMostTwoKClassesPerDevice() {
    Dataset data = unbalanced();
    for (int k : new int[] {1, 2, 4}) {
      PartitionStats s = PartitionStats.of(data, new ShardPartitioner(k).partition(data, 30, 8));
      for (int d = 0; d < 30; d++) {
        assertTrue(
            s.classCount(d) <= 2 * k,
            "k=" + k + ": device " + d + " has " + s.classCount(d) + " classes");
      }
      assertTrue(s.maxSize() - s.minSize() <= k, s.summary());
      assertTrue(s.meanTotalVariation() > 0.5, "shards should be label-skewed: " + s.summary());
    }
  }

  @Test
  void shards_tooFewSamplesForShards_isRefused() {
    Dataset data = labelled(new int[] {5, 5}, 1);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new ShardPartitioner(3).partition(data, 4, 1));
    assertTrue(e.getMessage().contains("expected at least 12 samples"), e.getMessage());
  }

  @Test
  void quantity_sigmaControlsSizeSpread() {
    Dataset data = unbalanced();
    PartitionStats flat =
        PartitionStats.of(data, new QuantitySkewPartitioner(0).partition(data, 25, 4));
    assertTrue(flat.maxSize() - flat.minSize() <= 1, flat.summary());
    PartitionStats skewed =
        PartitionStats.of(data, new QuantitySkewPartitioner(1.5).partition(data, 25, 4));
    assertTrue(skewed.maxSize() > 4 * skewed.minSize(), skewed.summary());
    assertTrue(skewed.minSize() >= 1);
  }

  @Test
  void partition_overlappingIndices_isRefused() {
    assertThrows(
        IllegalArgumentException.class, () -> new Partition(5, new int[][] {{0, 1}, {1, 2}}));
    assertThrows(IllegalArgumentException.class, () -> new Partition(5, new int[][] {{0, 5}}));
  }

  @Test
  void stats_summaryReportsSizesAndSkew() {
    Dataset data = labelled(new int[] {2, 2}, 1);
    int zero0 = -1;
    int zero1 = -1;
    int one0 = -1;
    int one1 = -1;
    for (int i = 0; i < 4; i++) {
      if (data.label(i) == 0) {
        if (zero0 < 0) {
          zero0 = i;
        } else {
          zero1 = i;
        }
      } else if (one0 < 0) {
        one0 = i;
      } else {
        one1 = i;
      }
    }
    // Device 0 holds only class 0, device 1 holds one of each.
    Partition p = new Partition(4, new int[][] {{zero0}, {zero1, one0, one1}});
    PartitionStats s = PartitionStats.of(data, p);
    assertEquals(1, s.minSize());
    assertEquals(3, s.maxSize());
    assertEquals(1.5, s.meanClassesPerDevice(), 0.0);
    assertEquals(0.5, s.totalVariation(0), 1e-12);
    assertEquals(1.0 / 6, s.totalVariation(1), 1e-12);
    assertEquals(
        "2 devices, size min/mean/max 1/2.0/3, classes per device 1.50, mean TV 0.333",
        s.summary());
  }
}
