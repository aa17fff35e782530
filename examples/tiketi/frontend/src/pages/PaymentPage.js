import { useState } from 'react';
import { useParams } from 'react-router-dom';
import api, { errorMessage } from '../services/api';

// Toss Payments: 1) the server creates the order (prepare),
// 2) the Toss window collects the payment and redirects to /payment/success,
// 3) PaymentSuccess asks the server to confirm it.
export default function PaymentPage() {
  const { reservationId } = useParams();
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const pay = async () => {
    setBusy(true);
    setError('');
    try {
      const { data } = await api.post('/payments/prepare', { reservationId });
      const tossPayments = window.TossPayments(data.clientKey);
      await tossPayments.requestPayment('카드', {
        amount: data.amount,
        orderId: data.orderId,
        orderName: data.orderName,
        customerName: data.customerName,
        successUrl: `${window.location.origin}/payment/success`,
        failUrl: `${window.location.origin}/payment/fail`,
      });
    } catch (err) {
      setError(errorMessage(err, err.message || '결제를 시작하지 못했습니다'));
      setBusy(false);
    }
  };

  return (
    <section className="card">
      <h1>결제</h1>
      <p>예매 번호 {reservationId}</p>
      {error && <p className="error">{error}</p>}
      <button type="button" disabled={busy} onClick={pay}>토스페이먼츠로 결제하기</button>
    </section>
  );
}
