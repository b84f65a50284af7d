package io.splitemu.bench;

import com.typesafe.config.ConfigFactory;
import io.splitemu.actors.runtime.EdgeServer;
import io.splitemu.actors.wire.Chunks;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A model message crossing JVMs whole against in parts (docs/benchmarks.md, "Messages in parts").
 *
 * <p>{@link #whole}: what Artery does with a message within one frame, the Pekko serializer's
 * toBinary and fromBinary (Kryo). {@link #inParts}: what a message above the frame costs instead,
 * the sender's sizing serialization and cut into parts ({@link Chunks#split}), each part through
 * the serializer both ways as Artery moves it, the recipient's join ({@link Chunks.Gathered}) and
 * the whole message's deserialization. Parts of 8,176 KiB (the default 8 MiB frame).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ChunksBenchmark {

  @Param({"16", "64"})
  public int sizeMb;

  private ActorSystem system;
  private Serialization serialization;
  private Chunks chunks;
  private EdgeServer.CutMoved message;

  @Setup
  public void setUp() {
    system =
        ActorSystem.create(
            "chunks-bench",
            ConfigFactory.parseString(
                    "pekko.loglevel = WARNING\n"
                        + "pekko.remote.artery.advanced.maximum-frame-size = 8MiB\n")
                .withFallback(ConfigFactory.load()));
    serialization = SerializationExtension.get(system);
    chunks = Chunks.get(system);
    Nd4j.getRandom().setSeed(42L);
    message = new EdgeServer.CutMoved(Nd4j.rand(DataType.FLOAT, (sizeMb << 20) / 4 / 1024, 1024));
  }

  @TearDown
  public void tearDown() {
    system.terminate();
  }

  /** One frame: serialize, deserialize. */
  @Benchmark
  public Object whole() throws Exception {
    Serializer s = serialization.findSerializerFor(message);
    return s.fromBinary(s.toBinary(message), message.getClass());
  }

  /** In parts: size and cut, each part both ways, join, deserialize. */
  @Benchmark
  public Object inParts() throws Exception {
    List<Chunks.Chunk> parts = chunks.split(message, null);
    Chunks.Gathered gathered = new Chunks.Gathered(Integer.MAX_VALUE - 8);
    Serializer partSerializer = serialization.findSerializerFor(parts.get(0));
    byte[] whole = null;
    for (Chunks.Chunk c : parts) {
      Chunks.Chunk moved =
          (Chunks.Chunk) partSerializer.fromBinary(partSerializer.toBinary(c), Chunks.Chunk.class);
      whole = gathered.take(moved);
    }
    Chunks.Chunk first = parts.get(0);
    return serialization.deserialize(whole, first.serializer(), first.manifest()).get();
  }
}
