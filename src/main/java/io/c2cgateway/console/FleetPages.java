package io.c2cgateway.console;

import java.util.List;
import java.util.stream.Collectors;

import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.servlet.ModelAndView;

import io.c2cgateway.security.Caller;
import io.c2cgateway.system.DomainException;
import io.c2cgateway.system.DomainProblems;
import io.c2cgateway.system.FieldProblem;

/**
 * {@link ConsolePages} for the fleet view: who is signed in, and the services' API failures as
 * pages (a filter the API would refuse is refused here too, with the same words).
 */
@ControllerAdvice(assignableTypes = { FleetController.class, FleetDevicesController.class,
		FleetSetupController.class })
@Order(Ordered.HIGHEST_PRECEDENCE)
class FleetPages {

	@ModelAttribute("caller")
	Caller caller(@AuthenticationPrincipal Caller caller) {
		return caller;
	}

	@ExceptionHandler(DomainException.class)
	ModelAndView failure(DomainException ex, @AuthenticationPrincipal Caller caller, HttpServletResponse response) {
		HttpStatus status = DomainProblems.statusOf(ex);
		ModelAndView page = new ModelAndView("console/error", status);
		page.addObject("caller", caller);
		page.addObject("title", (status == HttpStatus.NOT_FOUND) ? "Not found" : "That did not work");
		String detail = ex.getMessage();
		if (ex.properties().get("errors") instanceof List<?> errors && !errors.isEmpty()) {
			detail = errors.stream()
				.filter(FieldProblem.class::isInstance)
				.map(FieldProblem.class::cast)
				.map((problem) -> problem.field() + " " + problem.message())
				.collect(Collectors.joining("; ", "", "."));
		}
		page.addObject("detail", detail);
		response.setHeader("Cache-Control", "no-store");
		return page;
	}

}
