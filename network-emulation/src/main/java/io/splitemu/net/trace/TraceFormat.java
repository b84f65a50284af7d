package io.splitemu.net.trace;

import java.io.IOException;
import java.nio.file.Path;

/** A bandwidth trace file format, registered by the name scenario files use. */
public interface TraceFormat {

  String name();

  /** Reads one trace; malformed lines raise {@link MalformedTraceException}. */
  Trace read(Path file) throws IOException;
}
