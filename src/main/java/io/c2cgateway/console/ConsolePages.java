package io.c2cgateway.console;

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

/**
 * What every console page knows (who is signed in), and API failures as pages: the services throw
 * the API's exceptions, and a person should get a page back, not a problem document. Ordered ahead
 * of the API's problem handler, which would otherwise answer for these controllers too.
 */
@ControllerAdvice(assignableTypes = { ConsoleController.class, StationController.class, BatchController.class })
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsolePages {

	@ModelAttribute("caller")
	Caller caller(@AuthenticationPrincipal Caller caller) {
		return caller;
	}

	@ExceptionHandler(DomainException.class)
	ModelAndView failure(DomainException ex, @AuthenticationPrincipal Caller caller, HttpServletResponse response) {
		HttpStatus status = DomainProblems.statusOf(ex);
		ModelAndView page = new ModelAndView("console/error", status);
		page.addObject("caller", caller);
		if (status == HttpStatus.NOT_FOUND) {
			// The API's 404 hides whether the pairing exists; so does the page.
			page.addObject("title", "Not found");
			page.addObject("detail", ex.getMessage().startsWith("Batch") ? "There is no such batch, or it is not yours to see."
					: "There is no such pairing, or it is not yours to see.");
		}
		else {
			page.addObject("title", "That did not work");
			page.addObject("detail", ex.getMessage());
		}
		response.setHeader("Cache-Control", "no-store");
		return page;
	}

}
