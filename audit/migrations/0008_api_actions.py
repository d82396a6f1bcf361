
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0007_archive_exported_action'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditentry',
            name='action',
            field=models.CharField(choices=[('customer.signed_up', 'cliente registrato'), ('customer.details_changed', 'dati aziendali modificati'), ('customer.card_saved', 'carta salvata'), ('customer.card_removed', 'carta rimossa'), ('service.opened', 'servizio aperto'), ('service.activated', 'servizio attivato'), ('service.renewed', 'servizio rinnovato'), ('service.quota_raised', 'spazio aumentato'), ('service.usage_set', 'spazio occupato aggiornato'), ('service.auto_renew_on', 'rinnovo automatico attivato'), ('service.auto_renew_off', 'rinnovo automatico disattivato'), ('service.discarded', 'servizio rimosso'), ('service.expired', 'servizio scaduto'), ('service.suspended', 'servizio sospeso'), ('service.ceased', 'servizio cessato'), ('service.space_used', 'spazio occupato dai documenti versati'), ('order.placed', 'ordine creato'), ('order.payment_started', 'pagamento avviato'), ('order.transfer_chosen', 'bonifico scelto'), ('order.transfer_declared', 'bonifico dichiarato dal cliente'), ('order.payment_failed', 'pagamento non riuscito'), ('order.paid', 'ordine pagato'), ('order.cancelled', 'ordine annullato'), ('payment.credited', 'pagamento tenuto come credito'), ('payment.credit_used', 'credito usato per un altro ordine'), ('payment.issue_resolved', 'voce da verificare risolta'), ('payment.statement_imported', 'estratto conto importato'), ('invoice.issued', 'fattura emessa'), ('invoice.credit_note_issued', 'nota di credito emessa'), ('archive.deposit_accepted', 'versamento accettato'), ('archive.deposit_rejected', 'versamento rifiutato'), ('archive.exported', 'archivio scaricato per intero'), ('archive.orphan_removed', "file orfano rimosso dall'archivio"), ('panel.entered', 'ingresso nel pannello'), ('admin.record_changed', 'modificato dal back-office'), ('panel.password_set', 'password del pannello impostata'), ('security.signed_in', 'accesso'), ('security.sign_in_failed', 'accesso non riuscito'), ('security.locked_out', 'accesso bloccato per troppi tentativi'), ('security.signed_out', 'uscita da tutti i dispositivi'), ('security.password_changed', 'password cambiata'), ('security.password_reset_requested', 'recupero password richiesto'), ('security.password_reset', 'password reimpostata con il link di recupero'), ('security.email_verified', 'email verificata'), ('security.two_factor_on', 'verifica in due passaggi attivata'), ('security.two_factor_off', 'verifica in due passaggi disattivata'), ('security.second_factor_failed', 'codice di verifica errato'), ('security.recovery_codes_renewed', 'codici di recupero rigenerati'), ('security.recovery_code_used', 'codice di recupero usato'), ('api.key_created', 'chiave API creata'), ('api.key_revoked', 'chiave API revocata')], max_length=50, verbose_name='operazione'),
        ),
    ]
