package io.c2cgateway.console;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * The station's batch list: one device a line, {@code deviceId[,model[,clientVersion]]}, with an
 * optional first line naming those columns in any order (it is the header when one of its cells
 * says {@code deviceId}). Only reads: whether a row may be
 * started is the controller's business. Line numbers are the pasted text's, so a worker can find
 * the row an error names.
 */
final class BatchCsv {

	static final String DEVICE_ID = "deviceid";

	static final String MODEL = "model";

	static final String CLIENT_VERSION = "clientversion";

	private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder()
		.setIgnoreEmptyLines(true)
		.setIgnoreSurroundingSpaces(true)
		.setTrim(true)
		.setCommentMarker('#')
		.get();

	private BatchCsv() {
	}

	/** The rows as read; a line that cannot be read as CSV at all is a {@link Unreadable}. */
	static List<Line> read(String text) {
		List<Line> lines = new ArrayList<>();
		List<String> columns = List.of(DEVICE_ID, MODEL, CLIENT_VERSION);
		boolean first = true;
		try (CSVParser parser = CSVParser.parse(text, FORMAT)) {
			for (CSVRecord record : parser) {
				long number = parser.getCurrentLineNumber();
				List<String> values = List.of(record.values());
				if (first && values.stream().map(BatchCsv::normalized).anyMatch(DEVICE_ID::equals)) {
					columns = header(values, number);
					first = false;
					continue;
				}
				first = false;
				if (values.size() == 1 && values.get(0).isEmpty()) {
					continue;
				}
				lines.add(line(number, values, columns));
			}
		}
		catch (IOException | UncheckedIOException | IllegalStateException ex) {
			// Commons CSV says where it stopped in its message (no input is echoed but the position).
			throw new Unreadable("The list could not be read as CSV: " + rootMessage(ex));
		}
		return lines;
	}

	private static List<String> header(List<String> values, long number) {
		List<String> columns = new ArrayList<>();
		for (String value : values) {
			String column = normalized(value);
			if (!List.of(DEVICE_ID, MODEL, CLIENT_VERSION).contains(column) || columns.contains(column)) {
				throw new Unreadable("Line " + number + ": the header may name deviceId, model and clientVersion, each once");
			}
			columns.add(column);
		}
		return columns;
	}

	private static Line line(long number, List<String> values, List<String> columns) {
		String deviceId = null;
		String model = null;
		String clientVersion = null;
		for (int i = 0; i < values.size() && i < columns.size(); i++) {
			String value = values.get(i).isEmpty() ? null : values.get(i);
			switch (columns.get(i)) {
				case DEVICE_ID -> deviceId = value;
				case MODEL -> model = value;
				default -> clientVersion = value;
			}
		}
		String problem = (values.size() > columns.size())
				? "has " + values.size() + " columns; at most " + columns.size() + " (device id, model, client version)"
				: null;
		return new Line(number, (deviceId != null) ? deviceId : "", model, clientVersion, problem);
	}

	/** Header names as people write them: {@code deviceId}, {@code device_id}, {@code Device ID}. */
	private static String normalized(String value) {
		return value.replaceAll("[\\s_-]", "").toLowerCase(Locale.ROOT);
	}

	private static String rootMessage(Throwable ex) {
		Throwable cause = ex;
		while (cause.getCause() != null) {
			cause = cause.getCause();
		}
		return String.valueOf(cause.getMessage());
	}

	/** One device of the list; {@code problem} says why the line is malformed as a line. */
	record Line(long number, String deviceId, String model, String clientVersion, String problem) {
	}

	/** The list as a whole cannot be read. */
	static final class Unreadable extends RuntimeException {

		Unreadable(String message) {
			super(message);
		}

	}

}
