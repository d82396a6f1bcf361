
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('lifecycle', '0003_renewal_retries'),
    ]

    operations = [
        migrations.AlterField(
            model_name='runerror',
            name='step',
            field=models.CharField(choices=[('SCADENZA', 'scadenza'), ('SOSPENSIONE', 'sospensione'), ('RINNOVO_AUTOMATICO', 'ordine di rinnovo automatico'), ('ADDEBITO', 'addebito del rinnovo automatico'), ('PROMEMORIA', 'promemoria di scadenza'), ('NUOVO_ADDEBITO', 'nuovo tentativo di addebito'), ('CESSAZIONE', 'cessazione da confermare (nessuna esecuzione cessa un servizio)'), ('ESECUZIONE', 'esecuzione')], max_length=20, verbose_name='passo'),
        ),
    ]
