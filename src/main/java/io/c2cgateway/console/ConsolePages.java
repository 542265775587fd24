package io.c2cgateway.console;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.ModelAndView;

import io.c2cgateway.security.Caller;
import io.c2cgateway.system.DomainException;
import io.c2cgateway.system.DomainProblems;
import io.c2cgateway.system.FieldProblem;

/**
 * What every console page knows (who is signed in), and the services' failures as pages: a person
 * should get a page back, not a problem document. Ordered ahead of the API's problem handler, which
 * would otherwise answer for these controllers too.
 */
@ControllerAdvice(assignableTypes = { ConsoleController.class, StationController.class, BatchController.class,
		FleetController.class, FleetDevicesController.class, FleetSetupController.class })
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsolePages {

	private static final Set<Class<?>> FLEET = Set.of(FleetController.class, FleetDevicesController.class,
			FleetSetupController.class);

	@ModelAttribute("caller")
	Caller caller(@AuthenticationPrincipal Caller caller) {
		return caller;
	}

	@ExceptionHandler(DomainException.class)
	ModelAndView failure(DomainException ex, HandlerMethod handler, @AuthenticationPrincipal Caller caller,
			HttpServletResponse response) {
		HttpStatus status = DomainProblems.statusOf(ex);
		ModelAndView page = new ModelAndView("console/error", status);
		page.addObject("caller", caller);
		page.addObject("title", (status == HttpStatus.NOT_FOUND) ? "Not found" : "That did not work");
		page.addObject("detail",
				FLEET.contains(handler.getBeanType()) ? fleetDetail(ex) : stationDetail(ex, status));
		response.setHeader("Cache-Control", "no-store");
		return page;
	}

	/** A station's 404 hides whether the pairing or batch exists, as the API's does. */
	private static String stationDetail(DomainException ex, HttpStatus status) {
		if (status != HttpStatus.NOT_FOUND) {
			return ex.getMessage();
		}
		return ex.getMessage().startsWith("Batch") ? "There is no such batch, or it is not yours to see."
				: "There is no such pairing, or it is not yours to see.";
	}

	/** An admin's filter the API would refuse is refused with the API's words, field by field. */
	private static String fleetDetail(DomainException ex) {
		if (ex.properties().get("errors") instanceof List<?> errors && !errors.isEmpty()) {
			return errors.stream()
				.filter(FieldProblem.class::isInstance)
				.map(FieldProblem.class::cast)
				.map((problem) -> problem.field() + " " + problem.message())
				.collect(Collectors.joining("; ", "", "."));
		}
		return ex.getMessage();
	}

}
