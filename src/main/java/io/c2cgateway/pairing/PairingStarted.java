package io.c2cgateway.pairing;

import java.util.UUID;

/**
 * Published once a new pending pairing is committed, so whoever polls can claim it at once instead
 * of at its next claim round. Synchronous: listeners run on the request's thread.
 */
public record PairingStarted(UUID pairingId) {
}
