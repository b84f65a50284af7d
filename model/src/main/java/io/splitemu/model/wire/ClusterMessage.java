package io.splitemu.model.wire;

/**
 * Marker for messages that may cross JVMs; Pekko binds it to {@link KryoWireSerializer}.
 *
 * <p>Every implementing class must also be registered with a stable id (see {@link WireRegistry}),
 * otherwise serialization refuses it with a message naming the class.
 */
public interface ClusterMessage {}
