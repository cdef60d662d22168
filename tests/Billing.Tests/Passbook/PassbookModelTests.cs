using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Billing.Contracts.Refunds;
using Billing.Features.BillingRuns;
using Billing.Features.Ledger;
using Billing.Features.Passbook;
using Billing.Providers.StandIn.Control;
using Billing.Tests.BillingRuns;
using Billing.Tests.Refunds;
using Billing.Tests.Support;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace Billing.Tests.Passbook;

/// <summary>
/// Issue 19's model-based test: CsCheck generates cases of 2–3 accounts and a sequence of repayments by card or Swish
/// (duplicates, conflicting reports, overpayments whose excess refund is paid, declined, or failed late by Stripe),
/// chargebacks, support's settlements of failed excesses (paid again, resolved paid elsewhere or unpaid, cancelled), another
/// system's refunds of repayments through POST /refunds (paid, declined, refused: 409 while billing's own excess is unsettled,
/// 400 beyond what is refundable; and one paid or declined before its repayment is reported, which the intake books and caps
/// the excess by), moves of repayments to another account (moved, refused: same account, taken back, refunded; sent again),
/// entries imports and billing runs over three statement dates; each runs against the whole service (API, worker, refund saga, passbook, billing, the provider
/// stand-ins, real Postgres and RabbitMQ) and against <see cref="PassbookModel"/>, and after every step the service must
/// come to the model's state (<see cref="PassbookPicture"/>). At the end of a case the ground must be idle, still agree,
/// and the ledger auditor must find nothing but the statement dates the case left unbilled (statement_missing).
/// <para>
/// In CI it runs <see cref="CiCases"/> cases from the fixed seed <see cref="CiSeed"/>. By hand:
/// <c>BILLING_MODEL_SEED=random</c> (or a seed; the one in use is printed) and <c>BILLING_MODEL_CASES=n</c>. A failure
/// names the case's seed, its steps, what each did, and the lines the model and the service disagree on.
/// </para>
/// Broken on purpose to see it fail: the passbook booking the excess's requested amount instead of the paid one, and not
/// booking a refund resolved by hand as paid elsewhere (see the report of issue 19); then, with the CI seed: repayment
/// intake not booking refunds paid before (<c>RefundsPaidBefore.Book</c> left out), the excess not capped by what others'
/// refunds left of the payment, the outcome consumer booking only billing's own refunds, and a move not refusing a
/// payment taken back (each fails a case at the step that meets it).
/// <para>
/// Not generated yet (gaps): refunds of another system resolved by hand, cancelled or failed late; a move while the
/// payment's excess is still at the provider (the right account's excess waiting and then cancelled because the first was
/// paid after all); a move's excess declined; Swish refunds other than excess ones, and a repayment moved between
/// currencies (every account is SEK); purchases or billing runs concurrent with a step (steps run one at a time). With the
/// CI seed no Swish repayment leaves an excess (random seeds do: declined with RF07 and paid, and a Swish excess under
/// 1.00 SEK rejected).
/// </para>
/// </summary>
public class PassbookModelTests(ITestOutputHelper output)
{
    const string CiSeed = "issue19model";
    const int CiCases = 5;
    const int MinSteps = 15;
    const int MaxSteps = 25;

    [Fact]
    public async Task After_every_step_of_random_repayments_refunds_imports_and_billing_the_passbook_and_statements_are_what_a_plain_model_says()
    {
        var (seed, cases) = Seeds();
        var steps = int.TryParse(Environment.GetEnvironmentVariable("BILLING_MODEL_STEPS"), out var most) && most >= MinSteps ? most : MaxSteps;
        output.WriteLine($"BILLING_MODEL_SEED={seed} BILLING_MODEL_CASES={cases} BILLING_MODEL_STEPS={steps}");
        for (var i = 1; i <= cases; i++)
        {
            var caseSeed = seed;
            var label = $"case {i} of {cases}";
            await PassbookGen.Case(MinSteps, steps).SampleAsync(c => new ModelRun(output, label, caseSeed, steps).Run(c), seed: caseSeed, iter: 1,
                threads: 1, print: c => $"{label} (seed {caseSeed}):\n{c}");
            seed = Next(seed);
        }
    }

    /// <summary>The first case's seed and the number of cases; each next case's seed follows from the one before (<see cref="Next"/>).</summary>
    static (string Seed, int Cases) Seeds()
    {
        var asked = Environment.GetEnvironmentVariable("BILLING_MODEL_SEED");
        var seed = string.IsNullOrWhiteSpace(asked) ? CiSeed
            : asked == "random" ? new PCG((uint)Random.Shared.Next(64), (ulong)Random.Shared.NextInt64()).ToString()
            : PCG.Parse(asked).ToString();
        var cases = int.TryParse(Environment.GetEnvironmentVariable("BILLING_MODEL_CASES"), out var n) && n > 0 ? n : CiCases;
        return (seed, cases);
    }

    static string Next(string seed)
    {
        var pcg = PCG.Parse(seed);
        return new PCG(pcg.Stream, pcg.Next64()).ToString();
    }

    /// <summary>One case: its own stack on clean ground, the model beside it, and the trace a failure prints.</summary>
    sealed class ModelRun(ITestOutputHelper output, string label, string seed, int steps)
    {
        const string StripeSecret = "whsec_model_i19";

        /// <summary>How long a step may take to settle: a refund's attempt, a late failure, a billing run, on a busy 2-core machine.</summary>
        static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

        static readonly DateOnly Today = BillingStack.Today;
        readonly PassbookModel _model = new(Today);
        readonly List<string> _trace = [];
        readonly List<string> _imports = [];
        PassbookStack _passbook = null!;
        int _reversals;
        int _disputes;
        (ModelRepayment Repayment, ModelAccount To)? _lastMove;

        public async Task Run(ModelCase c)
        {
            output.WriteLine($"{label}, seed {seed}:\n{c}");
            var started = DateTime.UtcNow;
            await using var passbook = await PassbookStack.Start(
                BillingStack.Settings(new Dictionary<string, string>
                {
                    ["Refunds__Webhooks__Stripe__Secret"] = StripeSecret,
                    // A moved payment's excess on its right account goes out from the sweep, once it is this old.
                    ["Passbook__ResendAfter"] = "00:00:02",
                }),
                standIns: new Dictionary<string, string> { ["StandIn__LateFailAfter"] = "00:00:01" });
            _passbook = passbook;
            var step = "setting up the accounts";
            try
            {
                using (var target = await passbook.Refunds.StandIns.Client.PutAsJsonAsync("/control/webhooks/card",
                           new { url = new Uri(passbook.Api.BaseAddress!, "/webhooks/stripe").ToString(), secret = StripeSecret }))
                    target.EnsureSuccessStatusCode();
                await SetUp(c.Accounts);
                await Converge(step);

                for (var i = 0; i < c.Steps.Count; i++)
                {
                    step = $"step {i + 1} ({c.Steps[i]})";
                    _model.Step = i + 1;
                    _trace.Add($"  {i + 1,2}. {c.Steps[i]}: ...");
                    _trace[^1] = $"  {i + 1,2}. {c.Steps[i]}: {await Apply(c.Steps[i])}";
                }

                step = "the end of the case (the ground idle)";
                await passbook.Stack.WaitUntilIdle();
                var diff = PassbookPicture.Diff(_model.Picture(), await PassbookPicture.Of(passbook, _model.Accounts.Select(a => a.Id), RefundNames()));
                diff.ShouldBeEmpty("once the ground is idle the service must still agree with the model");
                await Audit();
            }
            catch (Exception e)
            {
                throw new ModelDisagrees($"{label} failed at {step}. Reproduce with BILLING_MODEL_SEED={seed} BILLING_MODEL_CASES=1 " +
                    $"BILLING_MODEL_STEPS={steps} " +
                    $"(today {Today:yyyy-MM-dd}: the statement dates follow the day).\nWhat each step did:\n{string.Join("\n", _trace)}\n\n{e.Message}", e);
            }

            output.WriteLine($"{label}: {c.Steps.Count} steps agreed in {(DateTime.UtcNow - started).TotalSeconds:N0} s\n{string.Join("\n", _trace)}");
        }

        /// <summary>The accounts through the import API, as an operator loads them: a SEK loan due on today's day, and its purchases.</summary>
        async Task SetUp(IReadOnlyList<AccountSetup> setups)
        {
            var accounts = setups.Select((setup, i) =>
            {
                var account = _model.Add($"a{i + 1}", setup);
                var entries = setup.Purchases.Select((p, j) =>
                {
                    var at = DaysBack(p.DaysBack);
                    _model.Book(account, "purchase", p.Amount, $"{account.Id}-opening-{j + 1}", at);
                    return new { @ref = $"{account.Id}-opening-{j + 1}", kind = "purchase", amount = p.Amount, occurredAt = at };
                }).ToList();
                return new
                {
                    accountId = account.Id, name = $"Holder {account.Id}", email = $"{account.Id}@example.test",
                    loan = new
                    {
                        currency = "SEK", creditLimit = 50_000m, apr = setup.Apr, dayCount = setup.DayCount, statementDay = Today.Day,
                        timeZone = setup.Zone, openedOn = Today.AddMonths(-6).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    },
                    entries,
                };
            }).ToList();
            using var response = await _passbook.Api.PostAsJsonAsync("/accounts/import", new { accounts }, PassbookStack.Json);
            ((int)response.StatusCode).ShouldBe(200, await response.Content.ReadAsStringAsync());
        }

        Task<string> Apply(Step step) => step switch
        {
            Repay r => Repay(r),
            ReportAgain again => ReportAgain(again),
            Reverse reverse => Reverse(reverse),
            Settle settle => Settle(settle),
            Import import => Import(import),
            Bill bill => Bill(bill),
            OtherRefund refund => OtherRefund(refund),
            RefundFirst first => RefundFirst(first),
            Move move => Move(move),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
        };

        async Task<string> Repay(Repay step)
        {
            var account = _model.Accounts[step.Account];
            var repayment = new ModelRepayment($"pay-{_model.Repayments.Count + 1}", account.Id, step.Amount, Microseconds(DateTimeOffset.UtcNow.AddMinutes(-1)),
                step.Method);
            var excess = _model.Repay(repayment, DateTimeOffset.UtcNow);
            var faults = excess is not { Status: "requested" } ? null : step.Excess switch
            {
                ExcessOutcome.Declined => new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable),
                ExcessOutcome.FailsLate => new FaultSettings(LateFailRate: 1),
                _ => null,
            };
            if (faults is not null)
                await _passbook.SetFaults(step.Method, faults);

            var answer = await _passbook.Repay(Body(repayment));
            var said = answer.GetProperty("excessRefund") is { ValueKind: JsonValueKind.Object } x ? x.GetProperty("amount").GetDecimal() : (decimal?)null;
            said.ShouldBe(excess?.Amount, "the excess the answer names");
            if (excess is { Status: "requested" })
                _model.Outcome(excess, step.Excess, DateTimeOffset.UtcNow);
            // The provider's faults stay until the excess's refund has met them.
            await Converge($"{repayment.PaymentId}");
            if (faults is not null)
                await _passbook.ClearFaults(step.Method);
            return excess is null
                ? $"{repayment.PaymentId} of {repayment.Amount:0.00} by {step.Method} on {account.Id}, no excess"
                : $"{repayment.PaymentId} of {repayment.Amount:0.00} by {step.Method} on {account.Id}, excess {excess.Amount:0.00} " +
                  (excess.Status == "rejected" ? "rejected (under Swish's 1.00)" : step.Excess.ToString());
        }

        async Task<string> ReportAgain(ReportAgain step)
        {
            if (_model.Repayments.Count == 0)
                return "skipped: no repayment yet";
            var repayment = _model.Repayments[step.Pick % _model.Repayments.Count];
            var body = step.Conflicting ? Body(repayment with { Amount = repayment.Amount + 1m }) : Body(repayment, source: "settlement");
            await _passbook.Repay(body, step.Conflicting ? 409 : 200);
            await Converge(repayment.PaymentId);
            return step.Conflicting ? $"{repayment.PaymentId} with {repayment.Amount + 1m:0.00}: 409" : $"{repayment.PaymentId} again: 200";
        }

        async Task<string> Reverse(Reverse step)
        {
            if (_model.Repayments.Count == 0)
                return "skipped: no repayment yet";
            var repayment = _model.Repayments[step.Pick % _model.Repayments.Count];
            var amount = Math.Round(repayment.Left * step.Percent / 100m, 2);
            if (amount <= 0)
                amount = 1m;
            var reversalId = $"rv-{++_reversals}";
            var fits = amount <= repayment.Left;
            var cancelled = _model.Excesses.Where(x => x.Status != "cancelled").ToList();
            if (fits)
                _model.Reverse(repayment, reversalId, amount, DateTimeOffset.UtcNow);
            cancelled = cancelled.Where(x => x.Status == "cancelled").ToList();

            using var response = await _passbook.Api.PostAsJsonAsync($"/repayments/{repayment.PaymentId}/reversal", new
            {
                reversalId, amount, currency = "SEK", reason = "chargeback", reversedAt = DateTimeOffset.UtcNow.AddMinutes(-1), source = "webhook",
            }, PassbookStack.Json);
            ((int)response.StatusCode).ShouldBe(fits ? 201 : 422, await response.Content.ReadAsStringAsync());
            await Converge(reversalId);
            return !fits ? $"{reversalId}: {amount:0.00} of {repayment.PaymentId}, {repayment.Left:0.00} left: 422"
                : $"{reversalId}: {amount:0.00} of {repayment.PaymentId}" +
                  (cancelled.Count == 0 ? "" : $", cancelling the excess of {string.Join(", ", cancelled.Select(x => x.PaymentId))}");
        }

        async Task<string> Settle(Settle step)
        {
            var failed = _model.Excesses.Where(x => x.Status == "failed").ToList();
            if (failed.Count == 0)
                return "skipped: no failed excess";
            var excess = failed[step.Pick % failed.Count];
            var refundId = RefundIds.FromIdempotencyKey(RepaymentReport.ExcessRefundKey(excess.PaymentId, excess.MoveNo));
            var support = await _passbook.Refunds.As("model@support");
            using (var response = step.How switch
                   {
                       Settlement.Retry => await support.PostAsJsonAsync($"/refunds/{refundId}/retry", new { }),
                       Settlement.Cancel => await support.PostAsJsonAsync($"/refunds/{refundId}/cancel", new { reason = "the holder keeps the credit" }),
                       _ => await support.PostAsJsonAsync($"/refunds/{refundId}/resolve", new
                       {
                           note = step.How == Settlement.ResolvedPaidElsewhere ? "paid by bank transfer" : "the holder keeps the credit",
                           paidElsewhere = step.How == Settlement.ResolvedPaidElsewhere,
                       }),
                   })
                response.IsSuccessStatusCode.ShouldBeTrue($"{step.How} of the excess of {excess.PaymentId}: {(int)response.StatusCode} " +
                    await response.Content.ReadAsStringAsync());
            _model.Settle(excess, step.How, DateTimeOffset.UtcNow);
            await Converge($"{step.How} of the excess of {excess.PaymentId}");
            return $"the excess of {excess.PaymentId} ({excess.Amount:0.00}): {excess.Status}";
        }

        async Task<string> Import(Import step)
        {
            string line;
            if (step.Again)
            {
                if (_imports.Count == 0)
                    return "skipped: nothing imported yet";
                line = _imports[^1];
            }
            else
            {
                var account = _model.Accounts[step.Account];
                var amount = step.Kind == "repayment" ? -step.Amount : step.Amount;
                var at = DaysBack(step.DaysBack);
                var reference = $"imp-{_imports.Count + 1}";
                if (step.Kind == "repayment")
                {
                    // An import takes no repayment (review L3): refused, naming the row, and nothing of it is booked.
                    using var refused = await _passbook.Api.PostAsync("/accounts/import", new StringContent(
                        $"account_id,ref,kind,amount,occurred_at,description\n{account.Id},{reference}-refused,repayment,{amount.ToString(CultureInfo.InvariantCulture)},{at.ToString("O", CultureInfo.InvariantCulture)},\n",
                        Encoding.UTF8, "text/csv"));
                    var problem = await refused.Content.ReadAsStringAsync();
                    ((int)refused.StatusCode).ShouldBe(400, problem);
                    problem.ShouldContain("POST /repayments");
                    await Converge("the refused import");
                    return $"refused: an old repayment of {-amount:0.00} imported on {account.Id}";
                }

                _model.Book(account, step.Kind, amount, reference, at);
                line = string.Join(",", account.Id, reference, step.Kind, amount.ToString(CultureInfo.InvariantCulture),
                    at.ToString("O", CultureInfo.InvariantCulture), "");
                _imports.Add(line);
            }

            using var response = await _passbook.Api.PostAsync("/accounts/import",
                new StringContent($"account_id,ref,kind,amount,occurred_at,description\n{line}\n", Encoding.UTF8, "text/csv"));
            ((int)response.StatusCode).ShouldBe(200, await response.Content.ReadAsStringAsync());
            await Converge("the import");
            return (step.Again ? "again: " : "") + line;
        }

        async Task<string> Bill(Bill step)
        {
            var dates = _model.Dates;
            var next = Enumerable.Range(0, dates.Count).FirstOrDefault(i => !_model.Billed.Contains(dates[i]), -1);
            var date = next < 0 ? dates[step.Skip % dates.Count] : dates[Math.Min(next + step.Skip, dates.Count - 1)];
            var before = _model.Accounts.Sum(a => a.Statements.Count);
            _model.Bill(date);
            var billing = BillingStack.Over(_passbook.Stack);
            using (var started = await billing.StartRun(date))
                ((int)started.StatusCode).ShouldBe(202, await started.Content.ReadAsStringAsync());
            var run = await billing.WaitUntilFinished(Patience, BillingIds.Run(date));
            await Converge($"billing {date:yyyy-MM-dd}");
            return $"{date:yyyy-MM-dd}: {_model.Accounts.Sum(a => a.Statements.Count) - before} statement(s); the run: {BillingStack.Describe(run)}";
        }

        /// <summary>
        /// A disputes tool's refund of a repayment: refused while billing's own refund of it is unsettled (409) or when it asks
        /// for more than the refund service lets anyone refund (400); otherwise paid (booked on the account the payment is on
        /// now) or declined.
        /// </summary>
        async Task<string> OtherRefund(OtherRefund step)
        {
            if (_model.Repayments.Count == 0)
                return "skipped: no repayment yet";
            var repayment = _model.Repayments[step.Pick % _model.Repayments.Count];
            var refundable = _model.Refundable(repayment);
            var amount = Math.Max(1m, Math.Round(refundable * step.Percent / 100m, 2));
            var key = $"dispute-{++_disputes}";
            var expected = _model.ExcessUnsettled(repayment) ? 409 : amount > refundable ? 400 : 202;
            var what = $"{key}: {amount:0.00} of {repayment.PaymentId} ({refundable:0.00} refundable)";
            if (expected != 202)
            {
                using var refused = await _passbook.Refunds.PostRefund(key, RefundStack.Body(repayment.PaymentId, amount, repayment.Method));
                ((int)refused.StatusCode).ShouldBe(expected, await refused.Content.ReadAsStringAsync());
                await Converge(key);
                return $"{what}: {expected}";
            }

            await Dispute(key, repayment.PaymentId, amount, repayment.Method, step.Paid);
            return $"{what}: {(step.Paid ? "paid" : "declined")}";
        }

        /// <summary>
        /// A disputes tool refunds a card payment before it is reported (the refund service does not check payments it does
        /// not know), and only then the repayment comes: its intake books the refund paid before and reserves an excess of at
        /// most what the refunds left of the payment.
        /// </summary>
        async Task<string> RefundFirst(RefundFirst step)
        {
            var account = _model.Accounts[step.Account];
            var paymentId = $"pay-{_model.Repayments.Count + 1}";
            var key = $"dispute-{++_disputes}";
            var amount = Math.Max(0m, account.Balance) + step.Over;
            var refunded = Math.Max(1m, Math.Round(amount * step.Percent / 100m, 2));
            await Dispute(key, paymentId, refunded, "card", step.Paid);

            var repayment = new ModelRepayment(paymentId, account.Id, amount, Microseconds(DateTimeOffset.UtcNow.AddMinutes(-1)));
            var excess = _model.Repay(repayment, DateTimeOffset.UtcNow);
            var answer = await _passbook.Repay(Body(repayment));
            var said = answer.GetProperty("excessRefund") is { ValueKind: JsonValueKind.Object } x ? x.GetProperty("amount").GetDecimal() : (decimal?)null;
            said.ShouldBe(excess?.Amount, "the excess the answer names (at most what the refund before left of the payment)");
            if (excess is not null)
                _model.Outcome(excess, ExcessOutcome.Paid, DateTimeOffset.UtcNow);
            await Converge(paymentId);
            return $"{key}: {refunded:0.00} of {paymentId} {(step.Paid ? "paid" : "declined")} before it was reported; " +
                   $"{paymentId} of {amount:0.00} on {account.Id}, " + (excess is null ? "no excess" : $"excess {excess.Amount:0.00} paid");
        }

        /// <summary>POSTs another system's refund, has the provider pay or decline it, and waits until the service agrees.</summary>
        async Task Dispute(string key, string paymentId, decimal amount, string method, bool paid)
        {
            _model.OtherRefund(key, paymentId, amount, paid, DateTimeOffset.UtcNow);
            if (!paid)
                await _passbook.SetFaults(method, new FaultSettings(FailRate: 1, FailMode: FailMode.NonRetryable));
            var refundId = await _passbook.Refunds.Refund(key, RefundStack.Body(paymentId, amount, method));
            await _passbook.Refunds.WaitFor(refundId, paid ? "refunded" : "failed", Patience);
            await Converge(key);
            if (!paid)
                await _passbook.ClearFaults(method);
        }

        /// <summary>
        /// POST /repayments/{id}/move: refused for the account it is on (unless moved there before: a replay), for a payment
        /// taken back or refunded in part; otherwise moved, and the right account's excess, if the payment overpays it, paid
        /// once the wrong account's is settled.
        /// </summary>
        async Task<string> Move(Move step)
        {
            ModelRepayment repayment;
            ModelAccount to;
            if (step.Again)
            {
                if (_lastMove is not { } last)
                    return "skipped: nothing moved yet";
                (repayment, to) = last;
            }
            else
            {
                if (_model.Repayments.Count == 0)
                    return "skipped: no repayment yet";
                repayment = _model.Repayments[step.Pick % _model.Repayments.Count];
                var on = _model.Accounts.FindIndex(a => a.Id == repayment.AccountId);
                to = _model.Accounts[(on + step.Offset) % _model.Accounts.Count];
            }

            var from = repayment.AccountId;
            var (status, code, excess) = _model.Move(repayment, to, DateTimeOffset.UtcNow);
            if (excess is { Status: "requested" })
                _model.Outcome(excess, ExcessOutcome.Paid, DateTimeOffset.UtcNow);
            using var response = await _passbook.Api.PostAsJsonAsync($"/repayments/{repayment.PaymentId}/move",
                new { toAccountId = to.Id, reason = "paid with the partner's reference" }, PassbookStack.Json);
            var text = await response.Content.ReadAsStringAsync();
            ((int)response.StatusCode).ShouldBe(status, text);
            var answer = JsonDocument.Parse(text).RootElement;
            if (status == 422)
                answer.GetProperty("code").GetString().ShouldBe(code, text);
            if (status == 201)
            {
                var said = answer.GetProperty("excessRefund") is { ValueKind: JsonValueKind.Object } x ? x.GetProperty("amount").GetDecimal() : (decimal?)null;
                said.ShouldBe(excess?.Amount, "the right account's excess the answer names");
            }

            if (status is 200 or 201)
                _lastMove = (repayment, to);
            await Converge($"moving {repayment.PaymentId}");
            return $"{repayment.PaymentId} from {from} to {to.Id}: {status} {code}" + (excess is null ? "" : $", excess {excess.Amount:0.00} there {excess.Status}");
        }

        /// <summary>
        /// Waits until the service shows what the model says: a refund's outcome and a billing run come through the bus, so
        /// the service passes through states the model skips. Something extra arriving after the two agreed (a refund paid
        /// twice, say) is caught by the next step's comparison, and at the end by the one after the ground is idle.
        /// </summary>
        async Task Converge(string after)
        {
            var expected = _model.Picture();
            await Eventually.Get($"the service to agree with the model after {after}",
                () => PassbookPicture.Of(_passbook, _model.Accounts.Select(a => a.Id), RefundNames()),
                seen => PassbookPicture.Diff(expected, seen).Length == 0, Patience, seen => PassbookPicture.Diff(expected, seen));
        }

        Dictionary<string, string> RefundNames() =>
            _model.Refunds.ToDictionary(r => RefundIds.FromIdempotencyKey(r.Key).ToString(), r => r.Key);

        async Task Audit()
        {
            var auditor = new LedgerAuditor(_passbook.Stack.Ground.DataSource, NullLogger<LedgerAuditor>.Instance);
            var audit = await auditor.Run(Guid.NewGuid(), "model-test", CancellationToken.None);
            var violations = await auditor.Violations(audit.AuditId, 50, CancellationToken.None);
            var missing = MissingStatements();
            (audit.Status, audit.Violations).ShouldBe(("finished", missing.Count), "the ledger auditor: " + string.Join("; ",
                violations.Select(v => $"{v.Rule} {v.AccountId} {v.Subject}: {v.Detail}")));
            violations.Select(v => $"{v.Rule} {v.Subject}").Order().ToList().ShouldBe(missing);
        }

        /// <summary>
        /// What the auditor's statement_missing must find: the statement dates after the case's first billing, two days
        /// old or more, that the case never billed (a skipped date), for each account that was billed before the date or not
        /// after it (one billed first after it began there: nothing was due before).
        /// </summary>
        List<string> MissingStatements() => _model.Billed.Count == 0 ? [] :
            (from date in _model.Dates
             where !_model.Billed.Contains(date) && date > _model.Billed.Min() && date <= Today.AddDays(-2)
             from account in _model.Accounts
             where account.Statements.Any(s => s.Date < date) || account.Statements.All(s => s.Date < date)
             select $"statement_missing account {account.Id} due {date:yyyy-MM-dd}").Order().ToList();

        static object Body(ModelRepayment repayment, string source = "webhook") =>
            PassbookStack.Body(repayment.AccountId, repayment.Amount, repayment.PaymentId, repayment.Method, paidAt: repayment.PaidAt, source: source);

        /// <summary>Noon UTC <paramref name="days"/> days before today: inside a statement period in every zone the case uses.</summary>
        static DateTimeOffset DaysBack(int days) => new(Today.AddDays(-days).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero);

        /// <summary>Postgres keeps microseconds: a report sent again must carry the paid-at it stored.</summary>
        static DateTimeOffset Microseconds(DateTimeOffset at) => at.AddTicks(-(at.Ticks % 10));
    }

    sealed class ModelDisagrees(string message, Exception inner) : Exception(message, inner);
}
