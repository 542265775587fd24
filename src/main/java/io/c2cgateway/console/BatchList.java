package io.c2cgateway.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;

import io.c2cgateway.console.BatchController.BatchForm;
import io.c2cgateway.console.BatchController.LineError;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.pairing.NewPairing;
import io.c2cgateway.pairing.PairingBatch;

/**
 * A pasted device list checked whole, in words for the person who pasted it: nothing starts while
 * any line is wrong, so a worker fixes the paste rather than sorting out which half went through.
 */
final class BatchList {

	private final Validator validator;

	private final DeviceModelService models;

	BatchList(Validator validator, DeviceModelService models) {
		this.validator = validator;
		this.models = models;
	}

	/** The list's lines and the pairing each asks for, or what stops the whole list from starting. */
	record Checked(List<BatchCsv.Line> lines, List<NewPairing> requests, String problem, List<LineError> lineErrors) {

		boolean startable() {
			return this.problem == null;
		}

	}

	Checked check(BatchForm form) {
		List<BatchCsv.Line> lines;
		try {
			lines = BatchCsv.read(form.csv());
		}
		catch (BatchCsv.Unreadable ex) {
			return new Checked(List.of(), List.of(), ex.getMessage(), List.of());
		}
		String problem = wholeListProblem(form, lines);
		if (problem != null) {
			return new Checked(lines, List.of(), problem, List.of());
		}
		List<LineError> lineErrors = new ArrayList<>();
		List<NewPairing> requests = new ArrayList<>();
		Map<String, Long> seen = new LinkedHashMap<>();
		Map<String, Boolean> knownModels = new LinkedHashMap<>();
		for (BatchCsv.Line line : lines) {
			NewPairing request = new NewPairing(blankToNull(line.deviceId()),
					(line.model() != null) ? line.model() : blankToNull(form.model()),
					(line.clientVersion() != null) ? line.clientVersion() : blankToNull(form.clientVersion()), null,
					null);
			String error = lineProblem(line, request, seen, knownModels);
			if (error != null) {
				lineErrors.add(new LineError(line.number(), line.deviceId(), error));
			}
			requests.add(request);
		}
		if (!lineErrors.isEmpty()) {
			problem = lineErrors.size() + ((lineErrors.size() == 1) ? " line needs" : " lines need")
					+ " fixing; nothing was started.";
		}
		return new Checked(lines, requests, problem, lineErrors);
	}

	private static String wholeListProblem(BatchForm form, List<BatchCsv.Line> lines) {
		if (lines.isEmpty()) {
			return "The list is empty: paste or load at least one device id.";
		}
		if (lines.size() > PairingBatch.MAX_ITEMS) {
			return "The list has " + lines.size() + " devices; one batch takes at most " + PairingBatch.MAX_ITEMS + ".";
		}
		if (!form.clientVersion().isEmpty() && !form.clientVersion().matches(io.c2cgateway.system.Patterns.SEMVER)) {
			return "The client version for all lines must be a semantic version such as 2.1.0.";
		}
		return null;
	}

	/** The first thing wrong with a line, in words for the person who pasted it; null when it may start. */
	private String lineProblem(BatchCsv.Line line, NewPairing request, Map<String, Long> seen,
			Map<String, Boolean> knownModels) {
		if (line.problem() != null) {
			return "The line " + line.problem() + ".";
		}
		if (request.deviceId() == null) {
			return "The device id is missing.";
		}
		if (request.model() == null) {
			return "No model: give one in the list or for all lines below it.";
		}
		for (ConstraintViolation<NewPairing> violation : this.validator.validate(request)) {
			return switch (violation.getPropertyPath().toString()) {
				case "deviceId" -> "The device id may hold letters, digits and . _ : - (up to 128, starting with a "
						+ "letter or digit).";
				case "model" -> "'" + request.model() + "' is not a model name.";
				case "clientVersion" -> "The client version must be a semantic version such as 2.1.0.";
				default -> violation.getPropertyPath() + " " + violation.getMessage();
			};
		}
		Long earlier = seen.putIfAbsent(request.deviceId(), line.number());
		if (earlier != null) {
			return "The device is already on line " + earlier + ".";
		}
		// One look-up per model, not per line: a list of 500 usually names one or two.
		if (!knownModels.computeIfAbsent(request.model(), (name) -> this.models.find(name).isPresent())) {
			return "There is no device model named '" + request.model() + "'.";
		}
		return null;
	}

	private static String blankToNull(String value) {
		return (value == null || value.isBlank()) ? null : value.trim();
	}

}
