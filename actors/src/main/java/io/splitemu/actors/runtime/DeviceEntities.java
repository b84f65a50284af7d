package io.splitemu.actors.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

/** How many device entities run in one actor system (a member's metrics read it). */
public final class DeviceEntities implements Extension {

  private static final Id ID = new Id();

  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger relocated = new AtomicInteger();

  // Tests: how long each command a device entity of this system hands its device waits first.
  private volatile java.time.Duration hold = java.time.Duration.ZERO;

  private DeviceEntities() {}

  /** The count of {@code system}. */
  public static DeviceEntities get(org.apache.pekko.actor.ActorSystem system) {
    return ID.get(system);
  }

  /** Device entities whose device runs in this system now. */
  public int running() {
    return running.get();
  }

  /**
   * Tests: each command a device entity of this system hands its device from now on waits {@code
   * hold} first, in order, as on a member whose devices are slow to answer; the commands waiting
   * when the entity stops are lost with it, as a device's work in progress is.
   */
  void holdCommands(java.time.Duration hold) {
    this.hold = hold;
  }

  java.time.Duration hold() {
    return hold;
  }

  // Tests: how long a device entity of this system waits before it tells the run about itself.
  private volatile java.time.Duration reportHold = java.time.Duration.ZERO;

  /**
   * Tests: a device entity of this system that finds itself re-created without its state, or handed
   * over, tells the run so {@code hold} later, as a report that comes after the answer to a restore
   * sent meanwhile.
   */
  void holdReports(java.time.Duration hold) {
    this.reportHold = hold;
  }

  java.time.Duration reportHold() {
    return reportHold;
  }

  // Tests: how long a device entity of this system waits before it tells the run it started.
  private volatile java.time.Duration startHold = java.time.Duration.ZERO;

  /**
   * Tests: a device entity of this system tells the run it started ({@link
   * ClusterRun.DeviceStarted}) {@code hold} later, as a report slow to cross (a loaded member or
   * network), which can come after the device's own work has ended the run.
   */
  void holdStarts(java.time.Duration hold) {
    this.startHold = hold;
  }

  java.time.Duration startHold() {
    return startHold;
  }

  /** Device entities that sharding re-created here without their state, so far. */
  int relocated() {
    return relocated.get();
  }

  void relocatedHere() {
    relocated.incrementAndGet();
  }

  void started() {
    running.incrementAndGet();
  }

  void stopped() {
    running.decrementAndGet();
  }

  private static final class Id extends AbstractExtensionId<DeviceEntities> {
    @Override
    public DeviceEntities createExtension(ExtendedActorSystem system) {
      return new DeviceEntities();
    }
  }
}
