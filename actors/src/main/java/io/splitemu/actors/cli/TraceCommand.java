package io.splitemu.actors.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.splitemu.actors.config.Settings;
import io.splitemu.actors.results.IoReasons;
import io.splitemu.net.EmulatedInstant;
import io.splitemu.net.UndeliverableException;
import io.splitemu.net.trace.CsvOptions;
import io.splitemu.net.trace.EndPolicy;
import io.splitemu.net.trace.MalformedTraceException;
import io.splitemu.net.trace.Trace;
import io.splitemu.net.trace.TraceFormat;
import io.splitemu.net.trace.TraceFormats;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code splitemu trace}: a bandwidth trace's duration, rates and delivery time (FORMATS.md). */
@Command(
    name = "trace",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description =
        "Prints a trace's duration (one pass), its mean, minimum and maximum rate, and with"
            + " --bytes the seconds to deliver N bytes on an idle link from --start.")
public final class TraceCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "the trace file")
  Path file;

  @Option(
      names = "--format",
      required = true,
      description = "mahimahi, pensieve, norway-raw or csv")
  String format;

  @Option(
      names = "--bytes",
      paramLabel = "N",
      converter = WholeNumber.class,
      description = "bytes to deliver: a whole number, also as 1e6 or 1.5e6")
  Long bytes;

  /**
   * A whole number written as an integer or in the forms a double takes ({@code 1e6}, {@code
   * 1.5e6}), as split's options take {@code 2e9}; a fraction or a word is refused naming it, and a
   * number past what --bytes takes ({@code 1e30}) as too large, not as a fraction.
   */
  static final class WholeNumber implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      java.math.BigDecimal d;
      try {
        d = new java.math.BigDecimal(value.trim());
      } catch (NumberFormatException e) {
        d = null;
      }
      if (d == null || (d.signum() != 0 && d.stripTrailingZeros().scale() > 0)) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not a whole number (such as 1000000 or 1e6)");
      }
      // Past a long; the values a long holds are checked against the range where it is used.
      if (d.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is too large (at most " + MAX_BYTES + ")");
      }
      if (d.compareTo(java.math.BigDecimal.valueOf(Long.MIN_VALUE)) < 0) {
        throw new CommandLine.TypeConversionException("'" + value + "' is too small (at least 0)");
      }
      return d.longValueExact();
    }
  }

  @Option(
      names = "--start",
      paramLabel = "S",
      defaultValue = "0",
      description = "with --bytes: the send instant in seconds (default 0)")
  double start;

  @Option(
      names = "--end",
      defaultValue = "loop",
      description = "at the end of a pass: loop (default), hold-last or stop")
  String end;

  @Option(
      names = "--csv-time",
      defaultValue = "time",
      description = "csv: time column (default time)")
  String csvTime;

  @Option(
      names = "--csv-time-format",
      defaultValue = "seconds",
      description =
          "csv: seconds (default), epoch-seconds, epoch-millis or a java.time pattern (its zone"
              + " or offset used; none: UTC)")
  String csvTimeFormat;

  @Option(
      names = "--csv-rate",
      defaultValue = "rate",
      description = "csv: rate column (default rate)")
  String csvRate;

  @Option(
      names = "--csv-unit",
      defaultValue = "Mbps",
      description = "csv: bps, kbps or Mbps (default Mbps)")
  String csvUnit;

  @Option(
      names = "--csv-missing",
      defaultValue = "-",
      description = "csv: missing-value token (default -)")
  String csvMissing;

  @Option(
      names = "--csv-delimiter",
      defaultValue = ",",
      description = "csv: field delimiter (default ,)")
  String csvDelimiter;

  @Option(names = "--json", description = "print one JSON object on standard output")
  boolean json;

  private static final long MAX_BYTES = 1L << 50;
  private static final double MAX_START_SECONDS = 4e9;

  @Override
  public Integer call() throws Exception {
    // Every line about the file names its absolute path, as a scenario's trace errors do
    // (TraceFiles): its name alone can be any of many traces.
    Path shown = file.toAbsolutePath().normalize();
    if (!Files.isRegularFile(file)) {
      throw new UserException(
          Files.exists(file)
              ? "trace file " + shown + Settings.notAFile(file)
              : "trace file not found: " + shown);
    }
    // The input policy's ranges (docs/input-policy.md): a transfer of up to 1 PiB, a start
    // within the 4e9 s that a trace's own timestamps may span.
    if (bytes != null && (bytes < 0 || bytes > MAX_BYTES)) {
      throw new UserException("--bytes must be in [0, " + MAX_BYTES + "], got " + bytes);
    }
    if (bytes == null && spec.commandLine().getParseResult().hasMatchedOption("--start")) {
      // --start is the send instant of --bytes (FORMATS.md: [--bytes N --start S]); alone it
      // changed nothing and was silently ignored
      throw new UserException(
          "--start is the send instant of --bytes N; without --bytes nothing is sent: give --bytes"
              + " too, or leave --start out");
    }
    if (!(start >= 0 && start <= MAX_START_SECONDS)) {
      throw new UserException("--start must be a number of seconds in [0, 4e9], got " + start);
    }
    EndPolicy policy = EndPolicy.parse(end);
    if (policy == EndPolicy.HOLD_LAST && format.equals("mahimahi")) {
      // A mahimahi trace is delivery opportunities, not a rate there is a last of to hold.
      throw new UserException(
          "--end hold-last: a mahimahi trace can loop or stop (--end loop or stop), not hold-last");
    }
    CsvOptions csv =
        new CsvOptions(csvTime, csvTimeFormat, csvRate, csvUnit, csvMissing, csvDelimiter);
    TraceFormat reader = TraceFormats.byName(format, csv);
    Trace t;
    try {
      t = reader.read(file);
    } catch (MalformedTraceException e) {
      throw new UserException(shown + e.afterFile() + " (read as --format " + format + ")");
    } catch (IOException e) {
      throw new UserException(shown + ": cannot be read (" + IoReasons.reason(e, file) + ")");
    } catch (OutOfMemoryError e) {
      // last resort: the readers hold about a trace's numbers, and those did not fit
      throw new UserException(shown + ": " + TraceFormats.tooLarge(file));
    }
    Double delivery = null;
    if (bytes != null) {
      EmulatedInstant send = EmulatedInstant.ofSeconds(start);
      EmulatedInstant arrival;
      try {
        arrival = t.link(policy, 0).deliveryInstant(send, bytes);
      } catch (UndeliverableException e) {
        // a trace that stops, carries nothing, or would run past the clock: the user's input
        throw new UserException(
            shown + ": " + bytes + " bytes cannot be delivered: " + e.getMessage());
      }
      delivery = arrival.nanosSince(send) / 1e9;
    }
    PrintWriter out = spec.commandLine().getOut();
    double duration = t.passNanos() / 1e9;
    if (json) {
      ObjectMapper m = new ObjectMapper();
      ObjectNode o = m.createObjectNode();
      o.put("file", t.name());
      o.put("format", format);
      o.put("durationSeconds", duration);
      o.put("meanBitsPerSecond", t.meanBitsPerSecond());
      o.put("minBitsPerSecond", t.minBitsPerSecond());
      o.put("maxBitsPerSecond", t.maxBitsPerSecond());
      if (delivery != null) {
        o.put("deliverySeconds", delivery);
      }
      out.println(m.writeValueAsString(o));
    } else {
      out.printf(Locale.ROOT, "%s (%s): one pass %.3f s%n", t.name(), format, duration);
      out.printf(
          Locale.ROOT,
          "rate: mean %.6g, min %.6g, max %.6g bit/s%n",
          t.meanBitsPerSecond(),
          t.minBitsPerSecond(),
          t.maxBitsPerSecond());
      if (delivery != null) {
        out.printf(
            Locale.ROOT,
            "%d bytes from %.3f s (%s at the end): %.9f s%n",
            bytes,
            start,
            end,
            delivery);
      }
    }
    out.flush();
    return 0;
  }
}
