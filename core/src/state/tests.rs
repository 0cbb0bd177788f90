use super::*;

#[test]
fn table() {
    use Event::*;
    assert_eq!(S::Requested.apply(BeginPay), Ok(S::Processing));
    assert_eq!(S::Processing.apply(Approve), Ok(S::Paid));
    assert_eq!(S::Processing.apply(CardDeclined), Ok(S::Requested));
    assert_eq!(S::Processing.apply(Release), Ok(S::Requested));
    assert_eq!(S::Requested.apply(Cancel), Ok(S::Canceled));
    assert_eq!(S::Requested.apply(BuyerDecline), Ok(S::Declined));
    assert_eq!(S::Requested.apply(Expire), Ok(S::Expired));
    assert_eq!(S::Paid.apply(AutoCancel), Ok(S::Canceled));
    assert_eq!(S::Processing.apply(HoldCapture), Ok(S::Pending));
    assert_eq!(S::Pending.apply(Settle), Ok(S::Paid));
    assert_eq!(S::Pending.apply(Deny), Ok(S::Requested));
    assert_eq!(F::Unfulfilled.apply(Ship), Ok(F::Shipped));
    assert_eq!(F::Shipped.apply(Deliver), Ok(F::Delivered));
    assert_eq!(P::Pending.apply(Hold), Ok(P::Held));
    assert_eq!(P::Held.apply(Unhold), Ok(P::Pending));
    assert_eq!(P::Pending.apply(PayOut), Ok(P::PaidOut));
    assert_eq!(C::Open.apply(Respond), Ok(C::SellerResponded));
    assert_eq!(C::SellerResponded.apply(ResolveReject), Ok(C::Rejected));
    for (from, ev) in [
        (S::Processing, BeginPay),
        (S::Paid, BeginPay),
        (S::Canceled, BeginPay),
        (S::Paid, Cancel),
        (S::Declined, Cancel),
        (S::Expired, BeginPay),
        (S::Paid, BuyerDecline),
        (S::Requested, Approve),
        (S::Requested, Release),
        (S::Canceled, AutoCancel),
        (S::Pending, BeginPay),
        (S::Pending, Cancel),
        (S::Requested, Settle),
    ] {
        assert!(from.apply(ev).is_err(), "{from} {ev:?}");
    }
    assert!(F::Unfulfilled.apply(Deliver).is_err());
    assert!(F::Delivered.apply(Ship).is_err());
    assert!(P::Held.apply(PayOut).is_err());
    assert!(P::PaidOut.apply(Hold).is_err());
    assert!(C::Rejected.apply(ResolveRefund).is_err());
    assert!(C::ResolvedRefund.apply(Respond).is_err());
    assert_eq!(S::Processing.public_str(), "requested");
    assert_eq!(S::Requested.apply(Collect), Ok(S::Collected));
    assert_eq!(S::Collected.apply(MarkProcessed), Ok(S::Paid));
    assert_eq!(S::Collected.apply(Expire), Ok(S::Expired));
    // Collected at most once, and never paid by the processor or canceled meanwhile.
    for ev in [Collect, BeginPay, Cancel, BuyerDecline, Approve] {
        assert!(S::Collected.apply(ev).is_err(), "collected {ev:?}");
    }
    for from in [S::Paid, S::Expired, S::Processing, S::Canceled] {
        assert!(from.apply(Collect).is_err(), "{from} Collect");
    }
}

#[test]
fn wire_names_round_trip() {
    for s in S::ALL {
        assert_eq!(S::parse(s.as_str()), Some(*s));
    }
    assert_eq!(
        Claim::parse("seller_responded"),
        Some(Claim::SellerResponded)
    );
    assert_eq!(Refund::of(0, 100), Refund::None);
    assert_eq!(Refund::of(50, 100), Refund::Partial);
    assert_eq!(Refund::of(100, 100), Refund::Full);
}

#[test]
fn can_follows_the_table() {
    use Event::*;
    assert!(S::Requested.can(Cancel));
    assert!(!S::Paid.can(Cancel));
    assert!(S::Requested.can(BeginPay));
    assert!(!S::Expired.can(BeginPay));
    assert!(F::Unfulfilled.can(Ship));
    assert!(!F::Unfulfilled.can(Deliver));
    assert!(C::Open.can(Respond));
    assert!(!C::SellerResponded.can(Respond));
    assert!(C::Open.is_unresolved() && C::SellerResponded.is_unresolved());
    assert!(!C::Rejected.is_unresolved() && !C::ResolvedRefund.is_unresolved());
    for &(from, event, _) in TRANSITIONS {
        assert!(from.can(event), "{from:?} {event:?}");
    }
}

fn paid(fulfillment: F, refund: Refund, claim: Option<C>) -> Standing {
    Standing {
        status: Some(S::Paid),
        fulfillment: Some(fulfillment),
        refund: Some(refund),
        has_claim: claim.is_some(),
        claim,
        locked: false,
        agent_captured: false,
    }
}

#[test]
fn an_order_the_agent_charged_takes_no_refund_or_claim() {
    let a = Standing {
        agent_captured: true,
        ..paid(F::Unfulfilled, Refund::None, None)
    }
    .actions();
    assert!(a.ship && !a.refund && !a.claim);
    let collected = Standing {
        status: Some(S::Collected),
        agent_captured: true,
        ..Standing::default()
    };
    assert_eq!(collected.actions(), Actions::default());
}

#[test]
fn an_open_request_may_be_paid_declined_or_canceled() {
    let open = Standing {
        status: Some(S::Requested),
        fulfillment: Some(F::Unfulfilled),
        refund: Some(Refund::None),
        ..Standing::default()
    };
    let want = Actions {
        pay: true,
        decline: true,
        cancel: true,
        ..Actions::default()
    };
    assert_eq!(open.actions(), want);
    let locked = Standing {
        locked: true,
        ..open
    };
    assert_eq!(
        locked.actions(),
        Actions {
            pay: false,
            unlock: true,
            ..want
        }
    );
    for status in [S::Canceled, S::Declined, S::Expired] {
        let closed = Standing {
            status: Some(status),
            ..open
        };
        assert_eq!(closed.actions(), Actions::default(), "{status}");
    }
}

#[test]
fn a_paid_order_ships_then_delivers_and_refunds_until_full() {
    let a = paid(F::Unfulfilled, Refund::None, None).actions();
    assert!(a.ship && !a.deliver && a.refund && a.claim);
    assert!(!a.pay && !a.cancel && !a.unlock && !a.respond && !a.resolve);
    let a = paid(F::Shipped, Refund::Partial, None).actions();
    assert!(!a.ship && a.deliver && a.refund && a.claim);
    let a = paid(F::Delivered, Refund::Full, None).actions();
    assert!(!a.ship && !a.deliver && !a.refund && !a.claim);
    // Auto-canceled after payment: nothing more to do.
    let canceled = Standing {
        status: Some(S::Canceled),
        ..paid(F::Unfulfilled, Refund::Full, None)
    };
    assert_eq!(canceled.actions(), Actions::default());
}

#[test]
fn a_claim_is_opened_once_answered_once_and_resolved_once() {
    let a = paid(F::Shipped, Refund::None, Some(C::Open)).actions();
    assert!(!a.claim && a.respond && a.resolve && a.refund);
    let a = paid(F::Shipped, Refund::None, Some(C::SellerResponded)).actions();
    assert!(!a.claim && !a.respond && a.resolve);
    for done in [C::Rejected, C::ResolvedRefund] {
        let a = paid(F::Shipped, Refund::None, Some(done)).actions();
        assert!(!a.claim && !a.respond && !a.resolve, "{done}");
    }
}

#[test]
fn unknown_values_allow_nothing_that_depends_on_them() {
    let newer = Standing {
        status: None,
        ..paid(F::Unfulfilled, Refund::None, None)
    };
    assert_eq!(newer.actions(), Actions::default());
    let a = Standing {
        fulfillment: None,
        refund: None,
        ..paid(F::Unfulfilled, Refund::None, None)
    }
    .actions();
    assert!(!a.ship && !a.deliver && !a.refund && !a.claim);
    let a = Standing {
        claim: None,
        ..paid(F::Shipped, Refund::None, Some(C::Open))
    }
    .actions();
    assert!(!a.claim && !a.respond && !a.resolve);
}
