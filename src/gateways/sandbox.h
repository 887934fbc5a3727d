/*
 * sandbox.h - the sandbox gateway: Stripe's test payment methods, with
 * deterministic outcomes, and no money anywhere.
 *
 * Tokens are Stripe's documented test payment methods (pm_card_visa, ...) or
 * their card-token twins (tok_visa, ...); both name the same card, and
 * pm_card_* is the canonical form kept on a payment method:
 *
 *   token                                    last4 brand       charge
 *   pm_card_visa                             4242  visa        succeeds
 *   pm_card_mastercard                       4444  mastercard  succeeds
 *   pm_card_chargeDeclined                   0002  visa        card_declined / generic_decline
 *   pm_card_chargeDeclinedInsufficientFunds  9995  visa        card_declined / insufficient_funds
 *   pm_card_chargeDeclinedExpiredCard        0069  visa        expired_card / expired_card
 *   pm_card_chargeDeclinedLostCard           9987  visa        card_declined / lost_card (hard)
 *   pm_card_chargeDeclinedStolenCard         9979  visa        card_declined / stolen_card (hard)
 *   pm_card_chargeDeclinedProcessingError    0119  visa        failed, retryable: processing_error
 *   pm_card_chargeCustomerFail               0341  visa        card_declined / generic_decline
 *
 * As on Stripe, only the cards that succeed and pm_card_chargeCustomerFail
 * pass verification when attached to a customer; the others are declined on
 * attach with the same code as on a charge. Refunds succeed up to what is
 * left of the charge. Every charge and refund is recorded per idempotency key
 * in gateway_sandbox_attempts (store/gateway_store.h), so outcomes survive
 * restarts and a repeated key is answered from the record.
 */
#ifndef RECUR_GATEWAYS_SANDBOX_H
#define RECUR_GATEWAYS_SANDBOX_H

#include "gateways/gateway.h"

extern const struct gateway sandbox_gateway;

#endif
