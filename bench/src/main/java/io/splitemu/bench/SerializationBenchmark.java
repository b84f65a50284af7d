package io.splitemu.bench;

import io.splitemu.model.wire.WireCodec;
import io.splitemu.model.wire.WireRegistry;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Kryo wire serialization and deserialization of FLOAT tensors against a plain byte[] copy.
 *
 * <p>Each operation moves {@code sizeMb} MiB of tensor payload; GB/s = payload bytes / time per
 * operation (figures in docs/benchmarks.md, "Serialization benchmark"). {@link #arraycopyFloor}
 * copies the same number of bytes with {@link System#arraycopy}, the floor no serializer can beat
 * in one copy.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SerializationBenchmark {

  @Param({"1", "4", "16", "64"})
  public int sizeMb;

  private WireCodec codec;
  private INDArray tensor;
  private byte[] encoded;
  private byte[] copySource;
  private byte[] copyTarget;

  @Setup
  public void setUp() {
    codec = WireCodec.of(WireRegistry.builder().build());
    int bytes = sizeMb << 20;
    Nd4j.getRandom().setSeed(42L);
    tensor = Nd4j.rand(DataType.FLOAT, bytes / 4 / 1024, 1024);
    encoded = codec.toBytes(tensor);
    copySource = new byte[bytes];
    copyTarget = new byte[bytes];
    for (int i = 0; i < bytes; i += 4096) {
      copySource[i] = (byte) i;
    }
  }

  /** Tensor to wire bytes: class id, header, one bulk copy of the buffer, exact-size byte[]. */
  @Benchmark
  public byte[] serialize() {
    return codec.toBytes(tensor);
  }

  /** Wire bytes to a new tensor: header, allocation, one bulk copy into native memory. */
  @Benchmark
  public Object deserialize() {
    return codec.fromBytes(encoded);
  }

  /** The floor: one System.arraycopy of the same payload size. */
  @Benchmark
  public byte[] arraycopyFloor() {
    System.arraycopy(copySource, 0, copyTarget, 0, copySource.length);
    return copyTarget;
  }
}
