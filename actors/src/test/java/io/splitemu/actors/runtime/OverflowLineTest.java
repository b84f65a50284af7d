package io.splitemu.actors.runtime;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.pekko.actor.Dropped;
import org.apache.pekko.dispatch.sysmsg.Watch;
import org.junit.jupiter.api.Test;

/** The one line a cluster run ends with when Artery drops a message for a full queue. */
class OverflowLineTest {

  @Test
  void aFullSendQueue_namesTheSendQueueKey() {
    String line =
        RunGuardian.overflowed(
            Dropped.apply(
                new Device.Sequenced(3, Device.Place.INSTANCE, 0),
                "Due to overflow of send queue, size [16]",
                null,
                null));
    assertTrue(line.contains("splitemu.cluster.send-queue-size"), line);
    assertTrue(line.contains("Sequenced") && line.contains("size [16]"), line);
  }

  @Test
  void aSystemMessage_namesTheControlQueue_notTheSendQueue() {
    // Artery reports a full control queue with the send queue's words; the message tells them
    // apart.
    String line =
        RunGuardian.overflowed(
            Dropped.apply(
                new Watch(null, null), "Due to overflow of send queue, size [20000]", null, null));
    assertTrue(line.contains("outbound-control-queue-size"), line);
    assertTrue(!line.contains("splitemu.cluster.send-queue-size"), line);
  }

  @Test
  void otherDrops_areNotOverflows() {
    assertNull(
        RunGuardian.overflowed(
            Dropped.apply("x", "Buffer for [splitemu-device] is full", null, null)));
    assertNull(RunGuardian.overflowed(Dropped.apply("x", null, null, null)));
  }
}
